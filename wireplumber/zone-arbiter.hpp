/* SPDX-License-Identifier: MIT */
/*
 * Applies the role policy over time, zone by zone: which streams are
 * active, which gain each stream must have and which are corked, and when
 * a new stream may start. A stream whose role turns others down waits,
 * unlinked, until they are down: its first sample is heard over music that
 * is already ducked. Plain C++, no GObject; module-cabin feeds it node
 * states and volume echoes and carries out its commands
 * (docs/announcements.md). Times are monotonic microseconds.
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "role-policy.hpp"

namespace cabin {

struct ArbiterTiming {
	/* Gain ramps down (duck) and back up (restore), in milliseconds. */
	int duckRampMs = 50;
	int restoreRampMs = 500;
	/* How long a started stream counts as active before it first runs. */
	int startGraceMs = 1000;
	/* How long a new stream waits at most for the others' gains to be confirmed. */
	int confirmTimeoutMs = 500;
	/*
	 * The graph's period (one quantum), in microseconds; by default 1024
	 * frames at 48 kHz. A confirmed gain is heard up to two periods late:
	 * the node starts its ramp with its next cycle, and the sink plays what
	 * a cycle makes during the period after it.
	 */
	std::int64_t periodUs = 21333;
};

/* A gain to set on a node's `volume`, ramped when the node is audible. */
struct GainCommand {
	std::uint32_t node = 0;
	float gain = 1.0f;
	int rampMs = 0;
};

class ZoneArbiter
{
public:
	explicit ZoneArbiter(const RolePolicy &policy) : policy_(policy) {}

	void setTiming(const ArbiterTiming &timing) { timing_ = timing; }
	const ArbiterTiming &timing() const { return timing_; }

	/*
	 * A playback stream of role class \a role in \a zones. It starts held,
	 * and counts as active while held. A stream that \a follows another
	 * (an announcement's output in one zone) has that stream's role and
	 * activity and is never held. A stream that is not \a audible itself
	 * (an announcement's input) decides for its zones but gets no gain.
	 */
	void addStream(std::uint32_t id, std::string role, std::vector<std::string> zones,
		       std::optional<std::uint32_t> follows = {}, bool audible = true);
	void removeStream(std::uint32_t id);
	bool contains(std::uint32_t id) const { return streams_.contains(id); }

	/* The node's state is running (it is scheduled and produces). */
	void setRunning(std::uint32_t id, bool running, std::int64_t now);
	/*
	 * The stream runs but has been silent for a while (module-cabin's level
	 * probe heard nothing): it decides nothing until it sounds again.
	 */
	void setSilent(std::uint32_t id, bool silent);
	/*
	 * The node reported this `volume`: it took the gain sent to it, and its
	 * ramp is heard over two periods plus the ramp from \a now.
	 */
	void confirmGain(std::uint32_t id, float gain, std::int64_t now);
	/* Keeps a held stream held for a reason of the caller's (its outputs are not ready). */
	void setBlocked(std::uint32_t id, bool blocked);

	/*
	 * A factor on the gain of every stream of \a zone whose class has no
	 * floor: while module-cabin raises a quiet or muted device to an
	 * emergency's floor, the zone's other streams keep the level the
	 * user chose. 1 removes it.
	 */
	void setZoneFactor(const std::string &zone, float factor);

	/*
	 * A floor an active stream needs in a zone, and whether all who need it
	 * are released or wait only for it: the device can be raised now.
	 */
	struct FloorRequest {
		float floor = 0.0f;
		bool released = true;
	};
	/* Per zone, the highest floor its active streams' classes ask for. */
	std::map<std::string, FloorRequest> floors(std::int64_t now) const;
	/*
	 * \a zone's device must be raised to a floor before the streams that
	 * need it start: they stay held, once the others are down, until the
	 * raise is sent (floorRaised) and then confirmed (confirmFloor) and
	 * heard two periods later, or confirmTimeoutMs after it was sent.
	 * false: no raise to wait for.
	 */
	void setFloorPending(const std::string &zone, bool pending);
	void floorRaised(const std::string &zone, std::int64_t now);
	/* The device of \a zone reported its raised volume. */
	void confirmFloor(const std::string &zone, std::int64_t now);

	/*
	 * Decides again: returns the gains to send now, and releases the held
	 * streams whose zones are ready for them.
	 */
	std::vector<GainCommand> update(std::int64_t now);

	/* Whether the stream may be linked: released and not corked. */
	bool mayPlay(std::uint32_t id) const;
	bool released(std::uint32_t id) const;
	bool corked(std::uint32_t id) const;
	bool silent(std::uint32_t id) const;
	/* Whether the stream is active: held, running and not silent, or just started. */
	bool active(std::uint32_t id, std::int64_t now) const;
	RoleVerdict verdict(std::uint32_t id) const;
	/* The role class of a stream, or "" for unknown streams. */
	std::string role(std::uint32_t id) const;
	/* Per zone, the highest active role classes, as of the last update. */
	const std::map<std::string, std::vector<std::string>> &activeRoles() const
	{
		return winners_;
	}

	/* When update() must run again for a timed step (a ramp ending), if ever. */
	std::optional<std::int64_t> nextDeadline() const { return deadline_; }

	/* Counts changes of anything published (verdicts, holds, corks). */
	std::uint64_t generation() const { return generation_; }

private:
	struct Stream {
		std::string role;
		std::vector<std::string> zones;
		std::optional<std::uint32_t> follows;
		bool audible = true;
		bool held = true;
		bool blocked = false;
		/* Held only until its zones' devices are raised to its floor. */
		bool awaitingFloor = false;
		bool running = false;
		bool silent = false;
		bool everRan = false;
		std::int64_t releasedAt = 0;
		RoleVerdict verdict;
		/* The gain last sent, when, its ramp, and when it is heard in full. */
		float sentGain = 1.0f;
		std::int64_t sentAt = 0;
		int rampMs = 0;
		/* Whether that gain is lower than the one before: only then do others wait. */
		bool lowering = false;
		bool awaitingConfirm = false;
		std::int64_t settlesAt = 0;
		/* When the stream's verdict became cork. */
		std::int64_t corkedAt = 0;
	};

	const Stream *find(std::uint32_t id) const;
	bool activeAt(const Stream &stream, std::int64_t now) const;
	float zoneFactor(const Stream &stream) const;
	std::vector<RolePlayer> players(std::int64_t now) const;
	/* Whether \a other is already as low as its verdict wants; else when it will be. */
	bool settled(const Stream &other, std::int64_t now,
		     std::optional<std::int64_t> *until) const;

	const RolePolicy &policy_;
	ArbiterTiming timing_;
	std::map<std::uint32_t, Stream> streams_;
	std::map<std::string, std::vector<std::string>> winners_;
	std::map<std::string, float> zoneFactors_;
	/* Zones whose device is being raised to a floor: when it was sent, and when heard. */
	struct PendingFloor {
		std::optional<std::int64_t> raisedAt;
		std::optional<std::int64_t> settlesAt;
	};
	std::map<std::string, PendingFloor> pendingFloors_;
	/* Whether a held stream of a floor class still waits for a zone's raise; else when. */
	bool floorSettled(const Stream &stream, std::int64_t now,
			  std::optional<std::int64_t> *until) const;
	std::optional<std::int64_t> deadline_;
	std::uint64_t generation_ = 0;
};

} // namespace cabin
