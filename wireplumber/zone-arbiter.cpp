/* SPDX-License-Identifier: MIT */
#include "zone-arbiter.hpp"

#include <algorithm>
#include <cmath>

namespace cabin {

namespace {

constexpr float kGainTolerance = 1e-3f;

bool sharesZone(const std::vector<std::string> &a, const std::vector<std::string> &b)
{
	return std::any_of(a.begin(), a.end(), [&](const std::string &zone) {
		return std::find(b.begin(), b.end(), zone) != b.end();
	});
}

std::int64_t ms(int value)
{
	return static_cast<std::int64_t>(value) * 1000;
}

void earliest(std::optional<std::int64_t> &deadline, std::int64_t when)
{
	if (!deadline || when < *deadline)
		deadline = when;
}

} // namespace

void ZoneArbiter::addStream(std::uint32_t id, std::string role, std::vector<std::string> zones,
			    std::optional<std::uint32_t> follows, bool audible)
{
	Stream &stream = streams_[id];
	stream = Stream{};
	stream.role = std::move(role);
	stream.zones = std::move(zones);
	stream.follows = follows;
	stream.audible = audible;
	/* Followers play as their leader plays; only the leader waits. */
	stream.held = !follows;
	generation_++;
}

void ZoneArbiter::removeStream(std::uint32_t id)
{
	if (streams_.erase(id))
		generation_++;
}

void ZoneArbiter::setRunning(std::uint32_t id, bool running, std::int64_t)
{
	auto it = streams_.find(id);
	if (it == streams_.end())
		return;
	/* Resumed: it sounds again until its probe says otherwise. */
	if (running && !it->second.running)
		it->second.silent = false;
	it->second.running = running;
	if (running)
		it->second.everRan = true;
}

void ZoneArbiter::setSilent(std::uint32_t id, bool silent)
{
	auto it = streams_.find(id);
	if (it != streams_.end())
		it->second.silent = silent;
}

void ZoneArbiter::confirmGain(std::uint32_t id, float gain, std::int64_t now)
{
	auto it = streams_.find(id);
	if (it == streams_.end())
		return;
	Stream &stream = it->second;
	if (!stream.awaitingConfirm || std::fabs(gain - stream.sentGain) > kGainTolerance)
		return;
	stream.awaitingConfirm = false;
	/*
	 * The node has stored the gain; its ramp starts with its next cycle,
	 * up to a period from now, and the sink plays that cycle during the
	 * period after it. Only then is the ramp heard from its start.
	 */
	stream.settlesAt = now + 2 * timing_.periodUs + ms(stream.rampMs);
}

void ZoneArbiter::setBlocked(std::uint32_t id, bool blocked)
{
	auto it = streams_.find(id);
	if (it != streams_.end() && it->second.blocked != blocked) {
		it->second.blocked = blocked;
		generation_++;
	}
}

const ZoneArbiter::Stream *ZoneArbiter::find(std::uint32_t id) const
{
	auto it = streams_.find(id);
	return it == streams_.end() ? nullptr : &it->second;
}

bool ZoneArbiter::activeAt(const Stream &stream, std::int64_t now) const
{
	if (stream.follows) {
		const Stream *leader = find(*stream.follows);
		return leader && activeAt(*leader, now);
	}
	if (stream.held)
		return true;
	if (stream.running)
		return !stream.silent;
	/* Linked a moment ago and not running yet: it is about to play. */
	return !stream.everRan && now < stream.releasedAt + ms(timing_.startGraceMs);
}

std::vector<RolePlayer> ZoneArbiter::players(std::int64_t now) const
{
	std::vector<RolePlayer> result;
	for (const auto &[id, stream] : streams_) {
		const Stream *leader = stream.follows ? find(*stream.follows) : &stream;
		bool active = leader && activeAt(stream, now);
		for (const std::string &zone : stream.zones)
			result.push_back({id, zone, leader ? leader->role : stream.role, active});
	}
	return result;
}

bool ZoneArbiter::settled(const Stream &other, std::int64_t now,
			  std::optional<std::int64_t> *until) const
{
	/* What is not running is not heard: its gain is in place before it plays. */
	if (!other.running)
		return true;
	std::int64_t when = 0;
	if (other.verdict.action == RoleAction::Cork)
		when = other.corkedAt + ms(timing_.confirmTimeoutMs);
	else if (!other.lowering)
		/* Going back up (a restore) turns nothing down: nobody waits for it. */
		return true;
	else if (other.awaitingConfirm)
		when = other.sentAt + ms(timing_.confirmTimeoutMs);
	else
		when = other.settlesAt;
	if (now >= when)
		return true;
	*until = when;
	return false;
}

void ZoneArbiter::setZoneFactor(const std::string &zone, float factor)
{
	if (factor >= 1.0f - kGainTolerance)
		zoneFactors_.erase(zone);
	else
		zoneFactors_[zone] = factor;
}

float ZoneArbiter::zoneFactor(const Stream &stream) const
{
	const Stream *leader = stream.follows ? find(*stream.follows) : &stream;
	const RoleClass *role = policy_.find(leader ? leader->role : stream.role);
	if (role && role->floor > 0.0f)
		return 1.0f;
	float factor = 1.0f;
	for (const std::string &zone : stream.zones)
		if (auto it = zoneFactors_.find(zone); it != zoneFactors_.end())
			factor = std::min(factor, it->second);
	return factor;
}

std::map<std::string, ZoneArbiter::FloorRequest> ZoneArbiter::floors(std::int64_t now) const
{
	std::map<std::string, FloorRequest> result;
	for (const auto &[id, stream] : streams_) {
		const Stream *leader = stream.follows ? find(*stream.follows) : &stream;
		const RoleClass *role = leader ? policy_.find(leader->role) : nullptr;
		if (!role || role->floor <= 0.0f || !activeAt(stream, now))
			continue;
		for (const std::string &zone : stream.zones) {
			FloorRequest &request = result[zone];
			request.floor = std::max(request.floor, role->floor);
			request.released =
				request.released && (!leader->held || leader->awaitingFloor);
		}
	}
	return result;
}

void ZoneArbiter::setFloorPending(const std::string &zone, bool pending)
{
	if (!pending)
		pendingFloors_.erase(zone);
	else
		pendingFloors_.try_emplace(zone);
}

void ZoneArbiter::floorRaised(const std::string &zone, std::int64_t now)
{
	auto it = pendingFloors_.find(zone);
	if (it == pendingFloors_.end() || it->second.raisedAt)
		return;
	it->second.raisedAt = now;
	/* Released without the device's word, at the latest. */
	earliest(deadline_, now + ms(timing_.confirmTimeoutMs));
}

void ZoneArbiter::confirmFloor(const std::string &zone, std::int64_t now)
{
	auto it = pendingFloors_.find(zone);
	if (it != pendingFloors_.end() && it->second.raisedAt && !it->second.settlesAt)
		/* Heard raised once the device's next cycle is played, as for a gain. */
		it->second.settlesAt = now + 2 * timing_.periodUs;
}

bool ZoneArbiter::floorSettled(const Stream &stream, std::int64_t now,
			       std::optional<std::int64_t> *until) const
{
	const RoleClass *role = policy_.find(stream.role);
	if (!role || role->floor <= 0.0f)
		return true;
	bool settled = true;
	for (const std::string &zone : stream.zones) {
		auto it = pendingFloors_.find(zone);
		if (it == pendingFloors_.end())
			continue;
		/* Not raised yet: the caller raises it once this stream waits only for it. */
		if (!it->second.raisedAt) {
			settled = false;
			continue;
		}
		std::int64_t when = it->second.settlesAt.value_or(*it->second.raisedAt +
								  ms(timing_.confirmTimeoutMs));
		if (now >= when)
			continue;
		settled = false;
		earliest(*until, when);
	}
	return settled;
}

std::vector<GainCommand> ZoneArbiter::update(std::int64_t now)
{
	std::vector<GainCommand> commands;
	deadline_.reset();
	std::vector<RolePlayer> current = players(now);
	std::map<std::uint32_t, RoleVerdict> verdicts = policy_.arbitrate(current);
	std::map<std::string, std::vector<std::string>> winners = policy_.winners(current);
	if (winners != winners_) {
		winners_ = std::move(winners);
		generation_++;
	}

	for (auto &[id, stream] : streams_) {
		RoleVerdict verdict = stream.audible ? verdicts[id] : RoleVerdict{};
		if (verdict != stream.verdict) {
			if (verdict.action == RoleAction::Cork &&
			    stream.verdict.action != RoleAction::Cork)
				stream.corkedAt = now;
			stream.verdict = verdict;
			generation_++;
		}
		/*
		 * A corked stream keeps its gain until it is unlinked: raising it
		 * now would swell it for the moment it still plays. It gets its
		 * gain back when the cork ends, before it is linked again.
		 */
		if (!stream.audible || verdict.action == RoleAction::Cork)
			continue;
		float gain = verdict.action == RoleAction::Duck ? verdict.gain : 1.0f;
		gain *= zoneFactor(stream);
		if (std::fabs(gain - stream.sentGain) <= kGainTolerance)
			continue;
		int ramp = 0;
		if (stream.running)
			ramp = gain < stream.sentGain ? timing_.duckRampMs : timing_.restoreRampMs;
		commands.push_back({id, gain, ramp});
		stream.lowering = gain < stream.sentGain;
		stream.sentGain = gain;
		stream.sentAt = now;
		stream.rampMs = ramp;
		stream.awaitingConfirm = stream.running;
		stream.settlesAt = now;
	}

	for (auto &[id, stream] : streams_) {
		if (!stream.held || stream.blocked)
			continue;
		bool ready = true;
		for (const auto &[otherId, other] : streams_) {
			if (otherId == id || !other.audible || other.follows == id ||
			    !sharesZone(stream.zones, other.zones))
				continue;
			std::optional<std::int64_t> until;
			if (!settled(other, now, &until)) {
				ready = false;
				earliest(deadline_, *until);
			}
		}
		/* The others are down: the device may be raised, and is heard so first. */
		bool awaitingFloor = ready && !floorSettled(stream, now, &deadline_);
		if (awaitingFloor != stream.awaitingFloor) {
			stream.awaitingFloor = awaitingFloor;
			generation_++;
		}
		if (!ready || awaitingFloor)
			continue;
		stream.held = false;
		stream.awaitingFloor = false;
		stream.releasedAt = now;
		generation_++;
	}

	/* A started stream that never ran stops counting as active after the grace. */
	for (const auto &[id, stream] : streams_)
		if (!stream.held && !stream.follows && !stream.everRan &&
		    now < stream.releasedAt + ms(timing_.startGraceMs))
			earliest(deadline_, stream.releasedAt + ms(timing_.startGraceMs));
	return commands;
}

bool ZoneArbiter::mayPlay(std::uint32_t id) const
{
	const Stream *stream = find(id);
	return !stream || (!stream->held && stream->verdict.action != RoleAction::Cork);
}

bool ZoneArbiter::released(std::uint32_t id) const
{
	const Stream *stream = find(id);
	return !stream || !stream->held;
}

bool ZoneArbiter::corked(std::uint32_t id) const
{
	const Stream *stream = find(id);
	return stream && stream->verdict.action == RoleAction::Cork;
}

bool ZoneArbiter::silent(std::uint32_t id) const
{
	const Stream *stream = find(id);
	return stream && stream->silent;
}

bool ZoneArbiter::active(std::uint32_t id, std::int64_t now) const
{
	const Stream *stream = find(id);
	return stream && activeAt(*stream, now);
}

RoleVerdict ZoneArbiter::verdict(std::uint32_t id) const
{
	const Stream *stream = find(id);
	return stream ? stream->verdict : RoleVerdict{};
}

std::string ZoneArbiter::role(std::uint32_t id) const
{
	const Stream *stream = find(id);
	if (!stream)
		return {};
	const Stream *leader = stream->follows ? find(*stream->follows) : stream;
	return leader ? leader->role : stream->role;
}

} // namespace cabin
