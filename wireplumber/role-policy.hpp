/* SPDX-License-Identifier: MIT */
/*
 * Per-zone role arbitration: which role classes exist (Emergency,
 * Announcement, Navigation, ...), their priorities, and what the highest
 * active role of a zone does to the other streams there (mix, duck to a
 * level, or cork), from a role x role rule table. Parsed from the
 * `cabin.roles` and `cabin.role-rules` sections over built-in defaults.
 * Plain C++, no GObject; module-cabin applies the verdicts
 * (docs/announcements.md).
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cabin {

enum class RoleAction { Mix, Duck, Cork };

const char *toString(RoleAction action);

struct RoleClass {
	std::string name;
	int priority = 0;
	/* The `media.role` values of this class; the class name always counts too. */
	std::vector<std::string> mediaRoles;
	/* Whether the announcer may address streams of this class to other zones. */
	bool announcement = false;
	/* Linear gain a stream of this class is heard at least, whatever the zone's volume. */
	float floor = 0.0f;
};

struct RoleRule {
	/* Role class names; "*" matches every class. */
	std::string active;
	std::string other;
	RoleAction action = RoleAction::Mix;
	/* Linear gain of a ducked stream. */
	float level = 1.0f;
};

/* How much of `cabin.roles` and `cabin.role-rules` is read. */
inline constexpr std::size_t kMaxRoles = 64;
inline constexpr std::size_t kMaxRoleRules = 256;

struct RolePolicyConfig {
	std::vector<RoleClass> roles;
	/* The integrator's rules, consulted in order before the built-in ones. */
	std::vector<RoleRule> rules;
	/* The class of streams without a known `media.role`. */
	std::string defaultRole = "Media";
	/* Gain for a lower-priority stream no rule covers. */
	float duckLevel = 0.3f;
	/* One line per rejected entry, naming the key and the value. */
	std::vector<std::string> errors;
};

/* The built-in classes and rules (docs/announcements.md has the table). */
RolePolicyConfig defaultRolePolicy();

/*
 * The defaults with the two sections applied: `cabin.roles` entries
 * change or add classes by name; `cabin.role-rules` entries become the
 * rules consulted before the built-in ones. Empty views mean the section is
 * absent.
 */
RolePolicyConfig parseRolePolicy(std::string_view rolesJson, std::string_view rulesJson);

/* A stream as the arbiter sees it. */
struct RolePlayer {
	/* The node its gain and cork apply to. */
	std::uint32_t node = 0;
	std::string zone;
	/* Its role class name. */
	std::string role;
	/* Playing or about to play: paused and idle streams count for nothing. */
	bool active = false;
};

struct RoleVerdict {
	RoleAction action = RoleAction::Mix;
	float gain = 1.0f;
	/* The role class that decided, empty when nothing did. */
	std::string by;

	bool operator==(const RoleVerdict &) const = default;
};

class RolePolicy
{
public:
	explicit RolePolicy(RolePolicyConfig config);

	const RolePolicyConfig &config() const { return config_; }
	/* The class of a `media.role` value; the default class for unknown or empty ones. */
	const RoleClass &classify(std::string_view mediaRole) const;
	const RoleClass *find(std::string_view name) const;

	/* What an active stream of class \a active does to one of class \a other. */
	RoleRule decide(std::string_view active, std::string_view other) const;

	/*
	 * Per player, the verdict of its zone: the highest-priority active
	 * classes there decide for every other stream; the strongest of their
	 * verdicts counts when several share that priority. Zones never affect
	 * each other.
	 */
	std::map<std::uint32_t, RoleVerdict>
	arbitrate(const std::vector<RolePlayer> &players) const;

	/* Per zone with an active stream, the class names of its highest active priority. */
	std::map<std::string, std::vector<std::string>>
	winners(const std::vector<RolePlayer> &players) const;

private:
	RolePolicyConfig config_;
	std::vector<RoleRule> builtinRules_;
};

} // namespace cabin
