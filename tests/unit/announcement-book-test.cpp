/* SPDX-License-Identifier: MIT */
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "announcement-book.hpp"
#include "json.hpp"
#include "role-policy.hpp"
#include "seat-zone-model.hpp"

namespace cabin {

/* Readable gtest failure messages; declared first for -Wmissing-declarations. */
void PrintTo(AnnouncementState state, std::ostream *os);
void PrintTo(DeliveryState state, std::ostream *os);

void PrintTo(AnnouncementState state, std::ostream *os)
{
	*os << toString(state);
}

void PrintTo(DeliveryState state, std::ostream *os)
{
	*os << toString(state);
}

namespace {

/* The sedan: a shared cabin zone the driver owns and three personal zones. */
constexpr const char *kSeats = R"([
  { name = driver }
  { name = front-passenger }
  { name = rear-left }
  { name = rear-right }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = front-passenger, seat = front-passenger
    devices = [ { matches = [ { node.name = "fp.headphones" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [
      { matches = [ { node.name = "rl.headphones" } ] }
      { matches = [ { node.name = "rl.headrest" } ] }
      { matches = [ { node.name = "rl.mic" } ] }
    ] }
  { name = rear-right, seat = rear-right
    devices = [
      { matches = [ { node.name = "rr.headphones" } ] }
      { matches = [ { node.name = "rr.headrest" } ] }
    ] }
])";

const std::vector<std::string> kAllZones = {"cabin", "front-passenger", "rear-left", "rear-right"};

/* Clients. */
constexpr std::uint32_t kAnnouncer = 20;
constexpr std::uint32_t kDriver = 10;
constexpr std::uint32_t kFrontPassenger = 11;
constexpr std::uint32_t kRearLeft = 12;
constexpr std::uint32_t kRearRight = 13;
constexpr std::uint32_t kSeatless = 14;

/* Devices; front-passenger has none present. */
constexpr std::uint32_t kCabinSpeakers = 30;
constexpr std::uint32_t kRearLeftHeadrest = 31;
constexpr std::uint32_t kRearLeftHeadphones = 32; /* added after the headrest */
constexpr std::uint32_t kRearLeftMic = 33;
constexpr std::uint32_t kRearRightHeadrest = 34;
constexpr std::uint32_t kRearRightHeadphones = 35; /* not present unless a test adds it */

/* Streams. */
constexpr std::uint32_t kChime = 100;
constexpr std::uint32_t kChime2 = 101;
constexpr std::uint32_t kSeatStream = 110;

/* Microseconds. */
constexpr std::int64_t kT0 = 1'700'000'000'000'000;
constexpr std::int64_t kSecond = 1'000'000;

std::vector<std::string> zoneNames(const Announcement &announcement)
{
	std::vector<std::string> names;
	for (const ZoneDelivery &zone : announcement.zones)
		names.push_back(zone.zone);
	return names;
}

const ZoneDelivery *zoneOf(const Announcement &announcement, std::string_view name)
{
	for (const ZoneDelivery &zone : announcement.zones)
		if (zone.zone == name)
			return &zone;
	return nullptr;
}

::testing::AssertionResult contains(const std::string &text,
				    std::initializer_list<std::string_view> needles)
{
	for (std::string_view needle : needles)
		if (text.find(needle) == std::string::npos)
			return ::testing::AssertionFailure()
			       << "\"" << text << "\" does not contain \"" << needle << "\"";
	return ::testing::AssertionSuccess();
}

class AnnouncementBookTest : public ::testing::Test
{
protected:
	AnnouncementBookTest()
	    : model_(parseCabinConfig(kSeats, kZones)), roles_(defaultRolePolicy()),
	      book_(model_, roles_)
	{
		EXPECT_TRUE(model_.config().errors.empty());
		model_.addClient(kAnnouncer, {{kRoleSocketProperty, "announcer"},
					      {"pipewire.sec.pid", "2000"},
					      {"application.name", "Chimes"}});
		addSeatClient(kDriver, "driver");
		addSeatClient(kFrontPassenger, "front-passenger");
		addSeatClient(kRearLeft, "rear-left");
		addSeatClient(kRearRight, "rear-right");
		model_.addClient(kSeatless, {{"pipewire.sec.uid", "4242"}});
		EXPECT_EQ(model_.client(kAnnouncer)->role, ClientRole::Announcer);
		EXPECT_EQ(model_.client(kSeatless)->seat, "");

		addDevice(kCabinSpeakers, "cabin.speakers");
		addDevice(kRearLeftHeadrest, "rl.headrest");
		addDevice(kRearLeftHeadphones, "rl.headphones");
		addDevice(kRearLeftMic, "rl.mic", "Audio/Source");
		addDevice(kRearRightHeadrest, "rr.headrest");
	}

	void addSeatClient(std::uint32_t id, const std::string &seat)
	{
		model_.addClient(id, {{kSeatSocketProperty, seat},
				      {"pipewire.sec.pid", std::to_string(1000 + id)},
				      {"application.name", "App of " + seat}});
	}

	void addDevice(std::uint32_t id, const std::string &name,
		       const std::string &mediaClass = "Audio/Sink")
	{
		model_.addNode(id, {{"node.name", name}, {"media.class", mediaClass}});
	}

	/* Adds the node to the model and shows it to the book; the warning lands in warning_. */
	const Announcement *addStream(std::uint32_t id, std::optional<std::uint32_t> client,
				      const Properties &extra = {},
				      const std::string &mediaClass = "Stream/Output/Audio")
	{
		Properties props = {{"node.name", "stream" + std::to_string(id)},
				    {"media.class", mediaClass}};
		if (client)
			props["client.id"] = std::to_string(*client);
		for (const auto &[key, value] : extra)
			props[key] = value;
		model_.addNode(id, props);
		warning_ = "(untouched)";
		return book_.addStream(*model_.node(id), &warning_);
	}

	/* An announcer stream with this media.role and, unless empty, this address. */
	const Announcement *announce(std::uint32_t id, const std::string &to = {},
				     const std::string &mediaRole = "Announcement")
	{
		Properties props = {{"media.role", mediaRole},
				    {"media.name", "Chime " + std::to_string(id)},
				    {"application.name", "Chimes"}};
		if (!to.empty())
			props[kAnnounceToProperty] = to;
		return addStream(id, kAnnouncer, props);
	}

	/* A seat client's playback stream addressed to \a to. */
	const Announcement *seatAnnounce(std::uint32_t id, std::uint32_t client,
					 const std::string &to)
	{
		return addStream(id, client,
				 {{"media.role", "Announcement"}, {kAnnounceToProperty, to}});
	}

	/* The book's JSON for \a seat ("" for all) as a parsed array. */
	JsonValue view(std::string_view seat = {}) const
	{
		JsonWriter json;
		json.beginArray();
		book_.writeJson(json, seat);
		json.endArray();
		std::string error;
		std::optional<JsonValue> value = JsonValue::parse(json.str(), &error);
		EXPECT_TRUE(value) << error << ": " << json.str();
		return value.value_or(JsonValue());
	}

	SeatZoneModel model_;
	RolePolicy roles_;
	AnnouncementBook book_;
	std::string warning_;
};

/* ---- names ---- */

TEST(AnnouncementBookNames, ToStringNamesEveryState)
{
	EXPECT_STREQ(toString(AnnouncementState::Waiting), "waiting");
	EXPECT_STREQ(toString(AnnouncementState::Playing), "playing");
	EXPECT_STREQ(toString(AnnouncementState::Done), "done");
	EXPECT_STREQ(toString(AnnouncementState::Refused), "refused");
	EXPECT_STREQ(toString(DeliveryState::Waiting), "waiting");
	EXPECT_STREQ(toString(DeliveryState::Playing), "playing");
	EXPECT_STREQ(toString(DeliveryState::Done), "done");
	EXPECT_STREQ(toString(DeliveryState::NoDevice), "no-device");
	EXPECT_STREQ(toString(DeliveryState::Lost), "lost");
}

/* ---- addressing ---- */

TEST_F(AnnouncementBookTest, AnnouncerStreamWithoutAddressGoesToAllZones)
{
	const Announcement *a = announce(kChime);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(warning_, "");
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_TRUE(a->live());
	EXPECT_EQ(a->error, "");
	EXPECT_EQ(a->stream, kChime);
	EXPECT_EQ(a->client, kAnnouncer);
	EXPECT_EQ(a->application, "Chimes");
	EXPECT_EQ(a->media, "Chime 100");
	EXPECT_EQ(a->role, "Announcement");
	EXPECT_EQ(a->to, std::vector<std::string>{"all"});
	EXPECT_FALSE(a->started);
	EXPECT_FALSE(a->ended);
	EXPECT_EQ(zoneNames(*a), kAllZones);
	for (const ZoneDelivery &zone : a->zones) {
		EXPECT_FALSE(zone.started) << zone.zone;
		EXPECT_FALSE(zone.ended) << zone.zone;
	}

	const ZoneDelivery *cabin = zoneOf(*a, "cabin");
	EXPECT_EQ(cabin->device, "cabin.speakers");
	EXPECT_EQ(cabin->deviceId, kCabinSpeakers);
	EXPECT_EQ(cabin->state, DeliveryState::Waiting);

	const ZoneDelivery *frontPassenger = zoneOf(*a, "front-passenger");
	EXPECT_EQ(frontPassenger->device, "");
	EXPECT_EQ(frontPassenger->deviceId, 0u);
	EXPECT_EQ(frontPassenger->state, DeliveryState::NoDevice);

	/* Headphones before the headrest, whichever came first; never the microphone. */
	const ZoneDelivery *rearLeft = zoneOf(*a, "rear-left");
	EXPECT_EQ(rearLeft->device, "rl.headphones");
	EXPECT_EQ(rearLeft->deviceId, kRearLeftHeadphones);
	EXPECT_EQ(rearLeft->state, DeliveryState::Waiting);

	/* The headrest when it is the best there is. */
	const ZoneDelivery *rearRight = zoneOf(*a, "rear-right");
	EXPECT_EQ(rearRight->device, "rr.headrest");
	EXPECT_EQ(rearRight->deviceId, kRearRightHeadrest);

	EXPECT_EQ(book_.findByStream(kChime), a);
	EXPECT_EQ(book_.find(a->id), a);
	EXPECT_EQ(book_.announcements().size(), 1u);
}

TEST_F(AnnouncementBookTest, DeviceIsChosenWhenTheAnnouncementStarts)
{
	std::uint32_t first = announce(kChime)->id;
	addDevice(kRearRightHeadphones, "rr.headphones");
	const Announcement *second = announce(kChime2);
	EXPECT_EQ(zoneOf(*second, "rear-right")->device, "rr.headphones");
	EXPECT_EQ(zoneOf(*book_.find(first), "rear-right")->device, "rr.headrest");
}

TEST_F(AnnouncementBookTest, AllAndEmptyAddressesMeanEveryZone)
{
	for (const char *address : {"all", "  all ", " , "}) {
		book_.clear();
		const Announcement *a = announce(kChime, address);
		ASSERT_NE(a, nullptr) << address;
		EXPECT_EQ(a->state, AnnouncementState::Waiting) << address;
		EXPECT_EQ(zoneNames(*a), kAllZones) << address;
		EXPECT_EQ(a->to, std::vector<std::string>{"all"}) << address;
	}
}

TEST_F(AnnouncementBookTest, AddressNamesSeatsAndZones)
{
	const Announcement *a = announce(kChime, "rear-right, driver");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(warning_, "");
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_EQ(a->to, (std::vector<std::string>{"rear-right", "driver"}));
	/* The driver seat's home zone is the cabin. */
	EXPECT_EQ(zoneNames(*a), (std::vector<std::string>{"rear-right", "cabin"}));
	EXPECT_EQ(zoneOf(*a, "cabin")->device, "cabin.speakers");
}

TEST_F(AnnouncementBookTest, AddressZonesAreListedOnce)
{
	const Announcement *a = announce(kChime, " driver,cabin ,, rear-left,rear-left ");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(warning_, "");
	EXPECT_EQ(zoneNames(*a), (std::vector<std::string>{"cabin", "rear-left"}));
	EXPECT_EQ(a->to, (std::vector<std::string>{"driver", "cabin", "rear-left", "rear-left"}));
}

TEST_F(AnnouncementBookTest, UnknownNamesAreSkippedWithAWarning)
{
	const Announcement *a = announce(kChime, "trunk, rear-left");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_EQ(zoneNames(*a), std::vector<std::string>{"rear-left"});
	EXPECT_TRUE(contains(warning_, {"cabin.announce.to", "\"trunk, rear-left\"", "\"trunk\"",
					"stream 100", "ignored"}));
	EXPECT_EQ(a->error, "");
}

TEST_F(AnnouncementBookTest, OnlyUnknownNamesIsRefused)
{
	const Announcement *a = announce(kChime, "trunk, roof");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_FALSE(a->live());
	EXPECT_TRUE(a->zones.empty());
	EXPECT_TRUE(contains(a->error,
			     {"cabin.announce.to", "\"trunk, roof\"", "names no seat or zone"}));
	/* The warning has the skipped names and the refusal. */
	EXPECT_TRUE(contains(warning_, {"\"trunk\"", "\"roof\"", a->error}));
	EXPECT_EQ(book_.findByStream(kChime), nullptr);
	EXPECT_EQ(book_.find(a->id), a);
}

TEST_F(AnnouncementBookTest, AnnouncerStreamOfANonAnnouncementClassIsRefused)
{
	const Announcement *a = announce(kChime, {}, "Music");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_EQ(a->role, "Media");
	EXPECT_TRUE(a->zones.empty());
	EXPECT_TRUE(contains(a->error,
			     {"stream 100", "media.role = \"Music\"",
			      "Emergency, Announcement, Navigation, Notification", "not played"}));
	EXPECT_EQ(warning_, a->error);
	EXPECT_EQ(book_.findByStream(kChime), nullptr);
}

TEST_F(AnnouncementBookTest, AnnouncerStreamWithoutMediaRoleIsRefused)
{
	const Announcement *a = addStream(kChime, kAnnouncer);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_TRUE(contains(a->error, {"media.role = \"\""}));
}

TEST_F(AnnouncementBookTest, EveryAnnouncementClassIsAccepted)
{
	struct Case {
		const char *mediaRole;
		const char *role;
	};
	std::uint32_t stream = kChime;
	for (Case c : {Case{"Alarm", "Emergency"}, Case{"Safety", "Announcement"},
		       Case{"Navigation", "Navigation"}, Case{"Alert", "Notification"}}) {
		const Announcement *a = announce(stream++, "cabin", c.mediaRole);
		ASSERT_NE(a, nullptr) << c.mediaRole;
		EXPECT_EQ(a->state, AnnouncementState::Waiting) << c.mediaRole << ": " << a->error;
		EXPECT_EQ(a->role, c.role);
	}
	const Announcement *call = announce(stream, "cabin", "Phone");
	EXPECT_EQ(call->state, AnnouncementState::Refused);
}

TEST_F(AnnouncementBookTest, SeatStreamAddressingAnotherSeatIsRefused)
{
	const Announcement *a = seatAnnounce(kSeatStream, kRearLeft, "driver");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_EQ(a->client, kRearLeft);
	EXPECT_EQ(a->to, std::vector<std::string>{"driver"});
	EXPECT_TRUE(a->zones.empty());
	EXPECT_TRUE(contains(a->error, {"stream 110", "cabin.announce.to = \"driver\"",
					"only the announcer", "seat \"rear-left\"'s own zone"}));
	EXPECT_EQ(warning_, a->error);
	EXPECT_EQ(book_.findByStream(kSeatStream), nullptr);
	EXPECT_EQ(book_.announcements().size(), 1u);
}

TEST_F(AnnouncementBookTest, SeatStreamAddressingAllIsRefused)
{
	const Announcement *a = seatAnnounce(kSeatStream, kDriver, "all");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_TRUE(contains(a->error, {"cabin.announce.to = \"all\""}));

	/* Its own zone and another's: refused too. */
	a = seatAnnounce(kSeatStream + 1, kRearLeft, "rear-left, rear-right");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	/* An empty address means all zones. */
	a = seatAnnounce(kSeatStream + 2, kRearLeft, "");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
}

TEST_F(AnnouncementBookTest, SeatStreamAddressingItsOwnZoneIsOrdinary)
{
	EXPECT_EQ(seatAnnounce(kSeatStream, kRearLeft, "rear-left"), nullptr);
	EXPECT_EQ(warning_, "(untouched)");
	/* By seat or by zone name; the driver's own zone is the cabin it owns. */
	EXPECT_EQ(seatAnnounce(kSeatStream + 1, kDriver, "driver"), nullptr);
	EXPECT_EQ(seatAnnounce(kSeatStream + 2, kDriver, " cabin , driver "), nullptr);
	EXPECT_EQ(seatAnnounce(kSeatStream + 3, kRearRight, "rear-right"), nullptr);
	EXPECT_TRUE(book_.announcements().empty());
}

TEST_F(AnnouncementBookTest, SeatStreamWithAnUnknownNameIsRefused)
{
	const Announcement *a = seatAnnounce(kSeatStream, kRearLeft, "rear-left, trunk");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_TRUE(contains(warning_, {"\"trunk\"", a->error}));
}

TEST_F(AnnouncementBookTest, SeatlessStreamAddressingIsRefusedAndPlaysNowhere)
{
	const Announcement *a = seatAnnounce(kSeatStream, kSeatless, "rear-left");
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_TRUE(contains(a->error, {"plays nowhere"}));

	/* A stream without a client. */
	a = addStream(kSeatStream + 1, std::nullopt, {{kAnnounceToProperty, "cabin"}});
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Refused);
	EXPECT_EQ(a->client, 0u);
	EXPECT_TRUE(contains(a->error, {"plays nowhere"}));
}

TEST_F(AnnouncementBookTest, OrdinaryStreamsAreNoAnnouncements)
{
	EXPECT_EQ(addStream(kSeatStream, kRearLeft, {{"media.role", "Announcement"}}), nullptr);
	EXPECT_EQ(warning_, "(untouched)");
	EXPECT_EQ(addStream(kSeatStream + 1, std::nullopt), nullptr);
	EXPECT_EQ(addStream(kSeatStream + 2, kSeatless), nullptr);
	EXPECT_TRUE(book_.announcements().empty());
}

TEST_F(AnnouncementBookTest, CaptureStreamsAndDevicesAreIgnored)
{
	EXPECT_EQ(addStream(kChime, kAnnouncer, {{"media.role", "Announcement"}},
			    "Stream/Input/Audio"),
		  nullptr);
	EXPECT_EQ(addStream(kSeatStream, kRearLeft, {{kAnnounceToProperty, "all"}},
			    "Stream/Input/Audio"),
		  nullptr);
	EXPECT_EQ(book_.addStream(*model_.node(kCabinSpeakers), &warning_), nullptr);
	EXPECT_TRUE(book_.announcements().empty());
}

TEST_F(AnnouncementBookTest, NullWarningIsAllowed)
{
	model_.addNode(kChime, {{"node.name", "chime"},
				{"media.class", "Stream/Output/Audio"},
				{"client.id", std::to_string(kAnnouncer)},
				{"media.role", "Announcement"},
				{kAnnounceToProperty, "trunk, cabin"}});
	const Announcement *a = book_.addStream(*model_.node(kChime), nullptr);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(zoneNames(*a), std::vector<std::string>{"cabin"});
}

TEST_F(AnnouncementBookTest, IdsIncrease)
{
	std::uint32_t first = announce(kChime)->id;
	std::uint32_t refused = announce(kChime2, {}, "Music")->id;
	std::uint32_t third = seatAnnounce(kSeatStream, kRearLeft, "all")->id;
	EXPECT_GT(first, 0u);
	EXPECT_EQ(refused, first + 1);
	EXPECT_EQ(third, first + 2);
}

/* ---- delivery ---- */

TEST_F(AnnouncementBookTest, ZonePlaysOnceStreamAndOutputRun)
{
	std::uint32_t id = announce(kChime, "cabin, rear-left")->id;
	book_.setStreamRunning(kChime, true, kT0);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Waiting);

	book_.setOutputRunning(id, "cabin", true, kT0 + kSecond);
	EXPECT_EQ(a->state, AnnouncementState::Playing);
	EXPECT_EQ(a->started, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Playing);
	EXPECT_EQ(zoneOf(*a, "cabin")->started, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Waiting);
	EXPECT_FALSE(zoneOf(*a, "rear-left")->started);

	book_.setOutputRunning(id, "rear-left", true, kT0 + 2 * kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Playing);
	EXPECT_EQ(zoneOf(*a, "rear-left")->started, kT0 + 2 * kSecond);
	/* The announcement started with its first zone. */
	EXPECT_EQ(a->started, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->started, kT0 + kSecond);
}

TEST_F(AnnouncementBookTest, OutputFirstThenStream)
{
	std::uint32_t id = announce(kChime, "cabin, rear-left")->id;
	book_.setOutputRunning(id, "cabin", true, kT0);
	book_.setOutputRunning(id, "rear-left", true, kT0 + 1);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Waiting);

	book_.setStreamRunning(kChime, true, kT0 + kSecond);
	EXPECT_EQ(a->state, AnnouncementState::Playing);
	EXPECT_EQ(a->started, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Playing);
	EXPECT_EQ(zoneOf(*a, "cabin")->started, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Playing);
	EXPECT_EQ(zoneOf(*a, "rear-left")->started, kT0 + kSecond);
}

TEST_F(AnnouncementBookTest, StoppedOutputOrStreamDoesNotCount)
{
	std::uint32_t id = announce(kChime, "cabin, rear-left")->id;
	book_.setOutputRunning(id, "cabin", true, kT0);
	book_.setOutputRunning(id, "cabin", false, kT0 + 1);
	book_.setStreamRunning(kChime, true, kT0 + 2);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Waiting);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);

	book_.setStreamRunning(kChime, false, kT0 + 3);
	book_.setOutputRunning(id, "rear-left", true, kT0 + 4);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Waiting);

	book_.setStreamRunning(kChime, true, kT0 + 5);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Playing);
	EXPECT_EQ(zoneOf(*a, "rear-left")->started, kT0 + 5);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Waiting);
}

TEST_F(AnnouncementBookTest, PlayingZoneKeepsItsStartWhenItStopsAndRunsAgain)
{
	std::uint32_t id = announce(kChime, "cabin")->id;
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "cabin", true, kT0);
	book_.setStreamRunning(kChime, false, kT0 + kSecond);
	book_.setOutputRunning(id, "cabin", false, kT0 + kSecond);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Playing);
	book_.setStreamRunning(kChime, true, kT0 + 2 * kSecond);
	book_.setOutputRunning(id, "cabin", true, kT0 + 2 * kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->started, kT0);
	EXPECT_EQ(a->started, kT0);
}

TEST_F(AnnouncementBookTest, ZoneWithoutDeviceStaysNoDevice)
{
	std::uint32_t id = announce(kChime, "front-passenger, cabin")->id;
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "front-passenger", true, kT0);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(zoneOf(*a, "front-passenger")->state, DeliveryState::NoDevice);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	book_.removeStream(kChime, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "front-passenger")->state, DeliveryState::NoDevice);
	EXPECT_FALSE(zoneOf(*a, "front-passenger")->ended);
}

TEST_F(AnnouncementBookTest, OutputOfAnUnaddressedZoneChangesNothing)
{
	std::uint32_t id = announce(kChime, "cabin")->id;
	book_.setStreamRunning(kChime, true, kT0);
	std::uint64_t generation = book_.generation();
	book_.setOutputRunning(id, "rear-left", true, kT0);
	book_.setOutputRunning(id + 100, "cabin", true, kT0);
	book_.setStreamRunning(kChime2, true, kT0);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(a->state, AnnouncementState::Waiting);
	EXPECT_EQ(book_.generation(), generation);
}

TEST_F(AnnouncementBookTest, RemovedStreamEndsTheAnnouncement)
{
	std::uint32_t id = announce(kChime)->id;
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "cabin", true, kT0);
	book_.setOutputRunning(id, "rear-left", true, kT0 + 1);

	EXPECT_TRUE(book_.removeStream(kChime, kT0 + 3 * kSecond));
	const Announcement *a = book_.find(id);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, AnnouncementState::Done);
	EXPECT_FALSE(a->live());
	EXPECT_EQ(a->started, kT0);
	EXPECT_EQ(a->ended, kT0 + 3 * kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Done);
	EXPECT_EQ(zoneOf(*a, "cabin")->ended, kT0 + 3 * kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Done);
	EXPECT_EQ(zoneOf(*a, "rear-left")->started, kT0 + 1);
	/* Never heard there. */
	EXPECT_EQ(zoneOf(*a, "rear-right")->state, DeliveryState::Lost);
	EXPECT_FALSE(zoneOf(*a, "rear-right")->started);
	EXPECT_EQ(zoneOf(*a, "front-passenger")->state, DeliveryState::NoDevice);

	EXPECT_EQ(book_.findByStream(kChime), nullptr);
	EXPECT_FALSE(book_.removeStream(kChime, kT0 + 4 * kSecond));
	EXPECT_EQ(a->ended, kT0 + 3 * kSecond);

	/* Later news of the finished announcement changes nothing. */
	book_.setOutputRunning(id, "rear-right", true, kT0 + 5 * kSecond);
	book_.setStreamRunning(kChime, true, kT0 + 5 * kSecond);
	book_.outputLost(id, "cabin", kT0 + 5 * kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-right")->state, DeliveryState::Lost);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Done);
}

TEST_F(AnnouncementBookTest, AZoneIsDoneOnlyIfItsOutputCarriedSoundToADeviceNotMuted)
{
	/* Once, muted outputs were reported done in every zone. */
	std::uint32_t id = announce(kChime)->id;
	book_.setStreamRunning(kChime, true, kT0);
	for (const char *zone : {"cabin", "rear-left", "rear-right"})
		book_.setOutputRunning(id, zone, true, kT0);
	book_.setOutputHeard(id, "cabin", true, false);
	book_.setOutputHeard(id, "rear-left", false, false);
	book_.setOutputHeard(id, "rear-right", true, true);
	book_.removeStream(kChime, kT0 + kSecond);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Done);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Silent);
	EXPECT_EQ(zoneOf(*a, "rear-right")->state, DeliveryState::Muted);
	EXPECT_EQ(zoneOf(*a, "rear-right")->ended, kT0 + kSecond);
	EXPECT_EQ(toString(DeliveryState::Silent), std::string("silent"));
	EXPECT_EQ(toString(DeliveryState::Muted), std::string("muted"));
	JsonWriter json;
	book_.writeJson(json, "rear-left");
	EXPECT_TRUE(contains(json.str(), {R"("zone":"rear-left")", R"("state":"silent")"}))
		<< json.str();
}

TEST_F(AnnouncementBookTest, AnnouncementThatNeverPlayedLosesEveryZone)
{
	std::uint32_t id = announce(kChime, "cabin, rear-left")->id;
	EXPECT_TRUE(book_.removeStream(kChime, kT0));
	const Announcement *a = book_.find(id);
	EXPECT_EQ(a->state, AnnouncementState::Done);
	EXPECT_FALSE(a->started);
	EXPECT_EQ(a->ended, kT0);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Lost);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Lost);
}

TEST_F(AnnouncementBookTest, LostOutputMarksTheZoneLost)
{
	std::uint32_t id = announce(kChime, "cabin, rear-left, rear-right")->id;
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "cabin", true, kT0);

	book_.outputLost(id, "cabin", kT0 + kSecond);
	book_.outputLost(id, "rear-left", kT0 + 2 * kSecond);
	const Announcement *a = book_.find(id);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Lost);
	EXPECT_EQ(zoneOf(*a, "cabin")->started, kT0);
	EXPECT_EQ(zoneOf(*a, "cabin")->ended, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Lost);
	EXPECT_EQ(zoneOf(*a, "rear-left")->ended, kT0 + 2 * kSecond);
	EXPECT_TRUE(a->live());

	/* A lost zone does not come back, and stays lost when the announcement ends. */
	book_.setOutputRunning(id, "rear-left", true, kT0 + 3 * kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-left")->state, DeliveryState::Lost);
	book_.setOutputRunning(id, "rear-right", true, kT0 + 3 * kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-right")->state, DeliveryState::Playing);
	book_.removeStream(kChime, kT0 + 4 * kSecond);
	EXPECT_EQ(zoneOf(*a, "cabin")->state, DeliveryState::Lost);
	EXPECT_EQ(zoneOf(*a, "cabin")->ended, kT0 + kSecond);
	EXPECT_EQ(zoneOf(*a, "rear-right")->state, DeliveryState::Done);
}

TEST_F(AnnouncementBookTest, RefusedAnnouncementsIgnoreDeliveryNews)
{
	std::uint32_t id = announce(kChime, {}, "Music")->id;
	std::uint64_t generation = book_.generation();
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "cabin", true, kT0);
	book_.outputLost(id, "cabin", kT0);
	EXPECT_FALSE(book_.removeStream(kChime, kT0));
	EXPECT_EQ(book_.generation(), generation);
	EXPECT_EQ(book_.find(id)->state, AnnouncementState::Refused);
	EXPECT_FALSE(book_.find(id)->ended);
}

TEST_F(AnnouncementBookTest, GenerationCountsChanges)
{
	std::uint64_t generation = book_.generation();
	auto changed = [&]() {
		bool result = book_.generation() != generation;
		generation = book_.generation();
		return result;
	};
	std::uint32_t id = announce(kChime, "cabin")->id;
	EXPECT_TRUE(changed()) << "add";
	seatAnnounce(kSeatStream, kRearLeft, "rear-left");
	EXPECT_FALSE(changed()) << "ordinary stream";
	book_.setStreamRunning(kChime, true, kT0);
	EXPECT_FALSE(changed()) << "stream alone";
	book_.setOutputRunning(id, "cabin", true, kT0);
	EXPECT_TRUE(changed()) << "zone plays";
	book_.setOutputRunning(id, "cabin", true, kT0);
	EXPECT_FALSE(changed()) << "again";
	book_.removeStream(kChime, kT0);
	EXPECT_TRUE(changed()) << "done";
	announce(kChime2, "rear-left");
	EXPECT_TRUE(changed()) << "add";
	book_.outputLost(book_.findByStream(kChime2)->id, "rear-left", kT0);
	EXPECT_TRUE(changed()) << "lost";
	book_.clear();
	EXPECT_TRUE(changed()) << "clear";
	EXPECT_TRUE(book_.announcements().empty());
}

/* ---- findByStream ---- */

TEST_F(AnnouncementBookTest, FindByStreamFindsOnlyLiveAnnouncements)
{
	EXPECT_EQ(book_.findByStream(kChime), nullptr);
	std::uint32_t first = announce(kChime, "cabin")->id;
	EXPECT_EQ(book_.findByStream(kChime)->id, first);
	book_.removeStream(kChime, kT0);
	EXPECT_EQ(book_.findByStream(kChime), nullptr);

	/* PipeWire reuses node ids: the same stream id, refused, then live again. */
	model_.removeNode(kChime);
	announce(kChime, {}, "Music");
	EXPECT_EQ(book_.findByStream(kChime), nullptr);
	model_.removeNode(kChime);
	std::uint32_t third = announce(kChime, "rear-left")->id;
	EXPECT_EQ(book_.findByStream(kChime)->id, third);
	EXPECT_NE(third, first);
	EXPECT_EQ(book_.find(first)->state, AnnouncementState::Done);
	EXPECT_EQ(book_.find(9999), nullptr);
}

/* ---- limits ---- */

TEST_F(AnnouncementBookTest, AtMostMaxFinishedAreKept)
{
	const std::size_t max = AnnouncementBook::kMaxFinished;
	/* A live one first: it is never dropped. */
	std::uint32_t live = announce(kChime, "cabin")->id;
	std::vector<std::uint32_t> finished;
	for (std::size_t i = 0; i < max + 4; i++) {
		std::uint32_t stream = 200 + static_cast<std::uint32_t>(i);
		const Announcement *a =
			i % 2 ? announce(stream, {}, "Music") : announce(stream, "rear-left");
		finished.push_back(a->id);
		if (a->live())
			book_.removeStream(stream, kT0 + static_cast<std::int64_t>(i));
	}
	EXPECT_EQ(book_.announcements().size(), max + 1);
	ASSERT_NE(book_.find(live), nullptr);
	EXPECT_TRUE(book_.find(live)->live());
	/* The oldest finished ones went first. */
	for (std::size_t i = 0; i < finished.size(); i++)
		EXPECT_EQ(book_.find(finished[i]) != nullptr, i >= 4) << i;
	EXPECT_EQ(book_.announcements().front().id, live);
	EXPECT_EQ(book_.announcements().back().id, finished.back());
}

TEST_F(AnnouncementBookTest, LiveAnnouncementsAreNeverDropped)
{
	const std::size_t max = AnnouncementBook::kMaxFinished;
	for (std::size_t i = 0; i < max + 4; i++)
		announce(200 + static_cast<std::uint32_t>(i), "cabin");
	EXPECT_EQ(book_.announcements().size(), max + 4);
	for (const Announcement &a : book_.announcements())
		EXPECT_TRUE(a.live());
}

/* ---- JSON ---- */

TEST_F(AnnouncementBookTest, JsonShowsEverythingToTheFullView)
{
	std::uint32_t id = announce(kChime)->id;
	book_.setStreamRunning(kChime, true, kT0);
	book_.setOutputRunning(id, "cabin", true, kT0 + 1);
	book_.setOutputRunning(id, "rear-left", true, kT0 + 2);
	book_.removeStream(kChime, kT0 + kSecond);
	std::uint32_t refused = announce(kChime2, "cabin", "Music")->id;

	JsonValue items = view();
	ASSERT_TRUE(items.isArray());
	ASSERT_EQ(items.items().size(), 2u);

	const JsonValue &done = items.items()[0];
	EXPECT_EQ(done.find("id")->toInt(), id);
	EXPECT_EQ(done.find("stream")->toInt(), kChime);
	EXPECT_EQ(done.find("client")->toInt(), kAnnouncer);
	EXPECT_EQ(done.stringOr("application"), "Chimes");
	EXPECT_EQ(done.stringOr("media"), "Chime 100");
	EXPECT_EQ(done.stringOr("role"), "Announcement");
	ASSERT_TRUE(done.find("to")->isArray());
	ASSERT_EQ(done.find("to")->items().size(), 1u);
	EXPECT_EQ(done.find("to")->items()[0].text(), "all");
	EXPECT_EQ(done.stringOr("state"), "done");
	EXPECT_EQ(done.find("error"), nullptr);
	EXPECT_EQ(done.find("started")->toInt(), kT0 + 1);
	EXPECT_EQ(done.find("ended")->toInt(), kT0 + kSecond);

	const std::vector<JsonValue> &zones = done.find("zones")->items();
	ASSERT_EQ(zones.size(), 4u);
	struct Expected {
		const char *zone;
		const char *device;
		const char *state;
		std::optional<std::int64_t> started;
		std::optional<std::int64_t> ended;
	};
	const Expected expected[] = {
		{"cabin", "cabin.speakers", "done", kT0 + 1, kT0 + kSecond},
		{"front-passenger", "", "no-device", std::nullopt, std::nullopt},
		{"rear-left", "rl.headphones", "done", kT0 + 2, kT0 + kSecond},
		{"rear-right", "rr.headrest", "lost", std::nullopt, std::nullopt},
	};
	for (std::size_t i = 0; i < zones.size(); i++) {
		const JsonValue &zone = zones[i];
		EXPECT_EQ(zone.stringOr("zone"), expected[i].zone);
		EXPECT_EQ(zone.stringOr("device", "(missing)"), expected[i].device);
		EXPECT_EQ(zone.stringOr("state"), expected[i].state);
		const JsonValue *started = zone.find("started");
		EXPECT_EQ(started ? started->toInt() : std::nullopt, expected[i].started)
			<< expected[i].zone;
		const JsonValue *ended = zone.find("ended");
		EXPECT_EQ(ended ? ended->toInt() : std::nullopt, expected[i].ended)
			<< expected[i].zone;
	}

	const JsonValue &refusedItem = items.items()[1];
	EXPECT_EQ(refusedItem.find("id")->toInt(), refused);
	EXPECT_EQ(refusedItem.stringOr("state"), "refused");
	EXPECT_EQ(refusedItem.stringOr("role"), "Media");
	EXPECT_EQ(refusedItem.stringOr("error"), book_.find(refused)->error);
	EXPECT_EQ(refusedItem.find("started"), nullptr);
	EXPECT_EQ(refusedItem.find("ended"), nullptr);
	EXPECT_TRUE(refusedItem.find("zones")->items().empty());
}

TEST_F(AnnouncementBookTest, SeatViewShowsOnlyThatSeatsZones)
{
	std::uint32_t all = announce(kChime)->id;
	std::uint32_t addressed = announce(kChime2, "rear-right, driver")->id;

	auto ids = [](const JsonValue &items) {
		std::vector<std::int64_t> result;
		for (const JsonValue &item : items.items())
			result.push_back(item.find("id")->toInt().value_or(-1));
		return result;
	};
	auto zonesOf = [](const JsonValue &item) {
		std::vector<std::string> result;
		for (const JsonValue &zone : item.find("zones")->items())
			result.push_back(zone.stringOr("zone"));
		return result;
	};

	JsonValue rearLeft = view("rear-left");
	ASSERT_EQ(ids(rearLeft), std::vector<std::int64_t>{all});
	EXPECT_EQ(zonesOf(rearLeft.items()[0]), std::vector<std::string>{"rear-left"});

	/* The driver owns the cabin. */
	JsonValue driver = view("driver");
	ASSERT_EQ(ids(driver), (std::vector<std::int64_t>{all, addressed}));
	EXPECT_EQ(zonesOf(driver.items()[0]), std::vector<std::string>{"cabin"});
	EXPECT_EQ(zonesOf(driver.items()[1]), std::vector<std::string>{"cabin"});

	JsonValue rearRight = view("rear-right");
	ASSERT_EQ(ids(rearRight), (std::vector<std::int64_t>{all, addressed}));
	EXPECT_EQ(zonesOf(rearRight.items()[1]), std::vector<std::string>{"rear-right"});

	/* Even a zone without a device is that seat's. */
	JsonValue frontPassenger = view("front-passenger");
	ASSERT_EQ(ids(frontPassenger), std::vector<std::int64_t>{all});
	ASSERT_EQ(zonesOf(frontPassenger.items()[0]), std::vector<std::string>{"front-passenger"});
	EXPECT_EQ(frontPassenger.items()[0].find("zones")->items()[0].stringOr("state"),
		  "no-device");

	/* An unknown seat sees nothing. */
	EXPECT_TRUE(view("trunk").items().empty());
}

TEST_F(AnnouncementBookTest, SeatSeesItsOwnRefusedStreamOnly)
{
	std::uint32_t refused = seatAnnounce(kSeatStream, kRearLeft, "driver")->id;
	/* Refused announcer streams reach no zone: no seat sees them. */
	announce(kChime, {}, "Music");

	JsonValue rearLeft = view("rear-left");
	ASSERT_EQ(rearLeft.items().size(), 1u);
	EXPECT_EQ(rearLeft.items()[0].find("id")->toInt(), refused);
	EXPECT_EQ(rearLeft.items()[0].stringOr("state"), "refused");
	EXPECT_TRUE(contains(rearLeft.items()[0].stringOr("error"), {"cabin.announce.to"}));

	EXPECT_TRUE(view("driver").items().empty());
	EXPECT_TRUE(view("front-passenger").items().empty());
	EXPECT_EQ(view().items().size(), 2u);
}

TEST_F(AnnouncementBookTest, EmptyBookWritesNothing)
{
	EXPECT_TRUE(view().items().empty());
	EXPECT_TRUE(view("driver").items().empty());
}

} // namespace
} // namespace cabin
