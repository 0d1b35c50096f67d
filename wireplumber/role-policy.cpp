/* SPDX-License-Identifier: MIT */
#include "role-policy.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "cabin-config.hpp"
#include "json.hpp"

namespace cabin {

namespace {

constexpr const char *kAny = "*";

std::vector<RoleRule> builtinRules()
{
	using A = RoleAction;
	return {
		{"Emergency", kAny, A::Duck, 0.1f},
		{"Announcement", kAny, A::Duck, 0.2f},
		{"Communication", "Media", A::Cork, 1.0f},
		{"Communication", "Navigation", A::Mix, 1.0f},
		{"Navigation", "Communication", A::Mix, 1.0f},
		{"Communication", "Notification", A::Duck, 0.5f},
		{"Navigation", "Notification", A::Duck, 0.5f},
		{"Navigation", "Media", A::Duck, 0.3f},
		{"Notification", "Media", A::Duck, 0.5f},
	};
}

std::string entryKey(std::string_view section, std::size_t index, std::string_view name)
{
	return sectionEntryKey(section, index, name);
}

std::optional<float> toGain(const JsonValue &value)
{
	if (!value.isNumber())
		return std::nullopt;
	char *end = nullptr;
	float gain = std::strtof(value.text().c_str(), &end);
	if (end == value.text().c_str() || *end != '\0' || !(gain >= 0.0f && gain <= 1.0f))
		return std::nullopt;
	return gain;
}

std::optional<RoleAction> toAction(const JsonValue &value)
{
	if (value.text() == "mix")
		return RoleAction::Mix;
	if (value.text() == "duck")
		return RoleAction::Duck;
	if (value.text() == "cork")
		return RoleAction::Cork;
	return std::nullopt;
}

/* Cork beats any duck, a lower duck beats a higher one, and any duck beats mix. */
bool stronger(const RoleVerdict &a, const RoleVerdict &b)
{
	if (a.action != b.action)
		return static_cast<int>(a.action) > static_cast<int>(b.action);
	return a.action == RoleAction::Duck && a.gain < b.gain;
}

class RolePolicyParser
{
public:
	RolePolicyConfig parse(std::string_view rolesJson, std::string_view rulesJson)
	{
		config_ = defaultRolePolicy();
		std::vector<JsonValue> roles =
			parseArraySection("cabin.roles", rolesJson, config_.errors, kMaxRoles);
		for (std::size_t i = 0; i < roles.size(); i++)
			parseRole(i, roles[i]);
		std::vector<JsonValue> rules = parseArraySection("cabin.role-rules", rulesJson,
								 config_.errors, kMaxRoleRules);
		for (std::size_t i = 0; i < rules.size(); i++)
			parseRule(i, rules[i]);
		capErrors(config_.errors);
		return std::move(config_);
	}

private:
	void error(std::string message) { config_.errors.push_back(std::move(message)); }

	RoleClass *findRole(std::string_view name)
	{
		for (RoleClass &role : config_.roles)
			if (role.name == name)
				return &role;
		return nullptr;
	}

	void parseRole(std::size_t index, const JsonValue &entry)
	{
		const JsonValue *name = entry.isObject() ? entry.find("name") : nullptr;
		if (!name || !name->isString() || name->text().empty() || name->text() == kAny) {
			error(entryKey("cabin.roles", index, {}) + " = " + entry.toJson() +
			      ": expected { name = \"<class>\" ... }; role skipped");
			return;
		}
		std::string key = entryKey("cabin.roles", index, name->text());
		/* Parsed into a copy: an entry with an error changes nothing. */
		RoleClass role;
		if (const RoleClass *existing = findRole(name->text()))
			role = *existing;
		else
			role.name = name->text();
		bool ok = true;
		for (const auto &[member, value] : entry.members()) {
			if (member == "name")
				continue;
			if (member == "priority") {
				std::optional<std::int64_t> priority =
					value.isNumber() ? value.toInt() : std::nullopt;
				if (!priority || *priority < 0 || *priority > 1000) {
					error(key + ".priority = " + value.toJson() +
					      ": expected an integer from 0 to 1000; role skipped");
					ok = false;
				} else {
					role.priority = static_cast<int>(*priority);
				}
			} else if (member == "media-roles") {
				role.mediaRoles.clear();
				if (!value.isArray()) {
					error(key + ".media-roles = " + value.toJson() +
					      ": expected an array of media.role values; role "
					      "skipped");
					ok = false;
					continue;
				}
				for (const JsonValue &mediaRole : value.items()) {
					if (!mediaRole.isString() || mediaRole.text().empty()) {
						error(key + ".media-roles: " + mediaRole.toJson() +
						      ": expected a media.role value; ignored");
						continue;
					}
					role.mediaRoles.push_back(mediaRole.text());
				}
			} else if (member == "announcement") {
				std::optional<bool> flag = value.toBool();
				if (!flag) {
					error(key + ".announcement = " + value.toJson() +
					      ": expected true or false; role skipped");
					ok = false;
				} else {
					role.announcement = *flag;
				}
			} else if (member == "floor") {
				std::optional<float> floor = toGain(value);
				if (!floor) {
					error(key + ".floor = " + value.toJson() +
					      ": expected a linear gain from 0.0 to 1.0; role "
					      "skipped");
					ok = false;
				} else {
					role.floor = *floor;
				}
			} else {
				error(key + "." + member + " = " + value.toJson() +
				      ": unknown key; ignored");
			}
		}
		if (!ok)
			return;
		/* A media.role belongs to one class: the entry that names it last. */
		for (RoleClass &other : config_.roles)
			if (other.name != role.name)
				std::erase_if(other.mediaRoles, [&](const std::string &mediaRole) {
					return std::find(role.mediaRoles.begin(),
							 role.mediaRoles.end(),
							 mediaRole) != role.mediaRoles.end();
				});
		if (RoleClass *existing = findRole(role.name))
			*existing = std::move(role);
		else
			config_.roles.push_back(std::move(role));
	}

	void parseRule(std::size_t index, const JsonValue &entry)
	{
		std::string key = entryKey("cabin.role-rules", index, {});
		if (!entry.isObject()) {
			error(key + " = " + entry.toJson() + ": expected an object; rule skipped");
			return;
		}
		RoleRule rule;
		for (const char *member : {"active", "other"}) {
			const JsonValue *value = entry.find(member);
			if (!value || !value->isString() ||
			    (value->text() != kAny && !findRole(value->text()))) {
				error(key + "." + member + " = " +
				      (value ? value->toJson() : std::string("(missing)")) +
				      ": expected a role class name or \"*\"; rule skipped");
				return;
			}
			(std::string_view(member) == "active" ? rule.active : rule.other) =
				value->text();
		}
		const JsonValue *action = entry.find("action");
		std::optional<RoleAction> parsed = action ? toAction(*action) : std::nullopt;
		if (!parsed) {
			error(key + ".action = " +
			      (action ? action->toJson() : std::string("(missing)")) +
			      ": expected \"mix\", \"duck\" or \"cork\"; rule skipped");
			return;
		}
		rule.action = *parsed;
		if (const JsonValue *level = entry.find("level")) {
			std::optional<float> gain = toGain(*level);
			if (!gain) {
				error(key + ".level = " + level->toJson() +
				      ": expected a linear gain from 0.0 to 1.0; rule skipped");
				return;
			}
			rule.level = *gain;
		} else {
			rule.level = rule.action == RoleAction::Duck ? config_.duckLevel : 1.0f;
		}
		for (const auto &[member, value] : entry.members())
			if (member != "active" && member != "other" && member != "action" &&
			    member != "level")
				error(key + "." + member + " = " + value.toJson() +
				      ": unknown key; ignored");
		config_.rules.push_back(std::move(rule));
	}

	RolePolicyConfig config_;
};

} // namespace

const char *toString(RoleAction action)
{
	switch (action) {
	case RoleAction::Mix:
		return "mix";
	case RoleAction::Duck:
		return "duck";
	case RoleAction::Cork:
		return "cork";
	}
	return "mix";
}

RolePolicyConfig defaultRolePolicy()
{
	RolePolicyConfig config;
	config.roles = {
		{"Emergency", 100, {"Emergency", "Alarm"}, true, 0.5f},
		{"Announcement", 80, {"Announcement", "Safety"}, true, 0.0f},
		{"Navigation", 60, {"Navigation"}, true, 0.0f},
		{"Communication", 60, {"Communication", "Phone"}, false, 0.0f},
		{"Notification", 40, {"Notification", "Alert", "Event"}, true, 0.0f},
		{"Media", 0, {"Music", "Movie", "Game", "Production", "Multimedia"}, false, 0.0f},
	};
	return config;
}

RolePolicyConfig parseRolePolicy(std::string_view rolesJson, std::string_view rulesJson)
{
	return RolePolicyParser().parse(rolesJson, rulesJson);
}

RolePolicy::RolePolicy(RolePolicyConfig config)
    : config_(std::move(config)), builtinRules_(builtinRules())
{
	if (!find(config_.defaultRole))
		config_.roles.push_back({config_.defaultRole, 0, {}, false, 0.0f});
}

const RoleClass *RolePolicy::find(std::string_view name) const
{
	for (const RoleClass &role : config_.roles)
		if (role.name == name)
			return &role;
	return nullptr;
}

const RoleClass &RolePolicy::classify(std::string_view mediaRole) const
{
	if (!mediaRole.empty())
		for (const RoleClass &role : config_.roles)
			if (role.name == mediaRole ||
			    std::find(role.mediaRoles.begin(), role.mediaRoles.end(), mediaRole) !=
				    role.mediaRoles.end())
				return role;
	return *find(config_.defaultRole);
}

RoleRule RolePolicy::decide(std::string_view active, std::string_view other) const
{
	RoleRule mix{std::string(active), std::string(other), RoleAction::Mix, 1.0f};
	/* A class never ducks itself, whatever a wildcard says. */
	if (active == other)
		return mix;
	const RoleClass *a = find(active);
	const RoleClass *o = find(other);
	/* Wildcards reach only lower classes; named pairs say what they say. */
	bool lower = a && o && o->priority < a->priority;
	auto matches = [&](const RoleRule &rule) {
		return (rule.active == active || (rule.active == kAny && lower)) &&
		       (rule.other == other || (rule.other == kAny && lower));
	};
	for (const std::vector<RoleRule> *table : {&config_.rules, &builtinRules_})
		for (const RoleRule &rule : *table)
			if (matches(rule))
				return rule;
	if (!lower)
		return mix;
	return {std::string(active), std::string(other), RoleAction::Duck, config_.duckLevel};
}

std::map<std::string, std::vector<std::string>>
RolePolicy::winners(const std::vector<RolePlayer> &players) const
{
	std::map<std::string, int> top;
	for (const RolePlayer &player : players) {
		const RoleClass *role = find(player.role);
		if (!player.active || !role)
			continue;
		auto [entry, added] = top.try_emplace(player.zone, role->priority);
		if (!added)
			entry->second = std::max(entry->second, role->priority);
	}
	std::map<std::string, std::vector<std::string>> result;
	for (const RolePlayer &player : players) {
		const RoleClass *role = find(player.role);
		if (!player.active || !role || role->priority != top[player.zone])
			continue;
		std::vector<std::string> &names = result[player.zone];
		if (std::find(names.begin(), names.end(), role->name) == names.end())
			names.push_back(role->name);
	}
	return result;
}

std::map<std::uint32_t, RoleVerdict>
RolePolicy::arbitrate(const std::vector<RolePlayer> &players) const
{
	std::map<std::string, std::vector<std::string>> top = winners(players);
	std::map<std::uint32_t, RoleVerdict> verdicts;
	for (const RolePlayer &player : players) {
		RoleVerdict verdict;
		auto zone = top.find(player.zone);
		if (zone != top.end()) {
			for (const std::string &winner : zone->second) {
				if (winner == player.role)
					continue;
				RoleRule rule = decide(winner, player.role);
				RoleVerdict candidate{rule.action,
						      rule.action == RoleAction::Duck ? rule.level
										      : 1.0f,
						      winner};
				if (rule.action == RoleAction::Mix)
					candidate.by.clear();
				if (stronger(candidate, verdict))
					verdict = candidate;
			}
		}
		/* A node in several zones gets the strongest of their verdicts. */
		auto [entry, added] = verdicts.try_emplace(player.node, verdict);
		if (!added && stronger(verdict, entry->second))
			entry->second = verdict;
	}
	return verdicts;
}

} // namespace cabin
