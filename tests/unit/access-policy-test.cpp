/* SPDX-License-Identifier: MIT */
#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pipewire/permission.h>

#include "access-policy.hpp"
#include "announcement-book.hpp"
#include "seat-zone-model.hpp"
#include "share-book.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = rear-left, uids = [ 1001 ] }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [
      { matches = [ { node.name = "rl.headphones" } ] }
      { matches = [ { node.name = "rl.mic" } ] }
    ] }
])";

constexpr std::uint32_t kNone = 0;
constexpr std::uint32_t kR = PW_PERM_R;
constexpr std::uint32_t kRX = PW_PERM_R | PW_PERM_X;
constexpr std::uint32_t kRWX = PW_PERM_R | PW_PERM_W | PW_PERM_X;
constexpr std::uint32_t kRWXM = PW_PERM_R | PW_PERM_W | PW_PERM_X | PW_PERM_M;

/* An update as id -> permission, so that expectations do not depend on order. */
using Grants = std::map<std::uint32_t, std::uint32_t>;

Grants toGrants(const PermissionList &list)
{
	Grants grants;
	for (const pw_permission &p : list)
		grants[p.id] = p.permissions;
	return grants;
}

/* The entries that grant something (and the default), without explicit "none"s. */
Grants granted(const PermissionList &list)
{
	Grants grants = toGrants(list);
	std::erase_if(grants, [](const auto &entry) {
		return entry.second == 0 && entry.first != PW_ID_ANY;
	});
	return grants;
}

class AccessPolicyTest : public ::testing::Test
{
protected:
	/* Device nodes, one per zone device rule. */
	static constexpr std::uint32_t kSpeakers = 30;
	static constexpr std::uint32_t kHeadphones = 31;
	static constexpr std::uint32_t kMic = 32;

	AccessPolicyTest() : model_(parseCabinConfig(kSeats, kZones)), policy_(model_)
	{
		addDevice(kSpeakers, "cabin.speakers", "Audio/Sink");
		addDevice(kHeadphones, "rl.headphones", "Audio/Sink");
		addDevice(kMic, "rl.mic", "Audio/Source");
	}

	/* A managed client as the server describes it; registered with the policy too. */
	const ClientState &addClient(std::uint32_t id, Properties props)
	{
		props.emplace("pipewire.access", kCabinAccess);
		model_.addClient(id, props);
		policy_.addObject(id, describeGlobal(ObjectKind::Client, {}));
		return *model_.client(id);
	}

	/* A client connected through seat \a seat's socket. */
	const ClientState &addSeatClient(std::uint32_t id, const std::string &seat)
	{
		return addClient(id, {{kSeatSocketProperty, seat}, {"pipewire.sec.uid", "1000"}});
	}

	/* A client connected through a system role's socket. */
	const ClientState &addRoleClient(std::uint32_t id, const std::string &role)
	{
		return addClient(id, {{kRoleSocketProperty, role}, {"pipewire.sec.uid", "1000"}});
	}

	void addNode(std::uint32_t id, Properties props)
	{
		model_.addNode(id, props);
		policy_.addObject(id, describeGlobal(ObjectKind::Node, props));
	}

	void addDevice(std::uint32_t id, const std::string &name, const std::string &mediaClass)
	{
		addNode(id, {{"node.name", name}, {"media.class", mediaClass}});
	}

	void addStream(std::uint32_t id, std::uint32_t client,
		       const std::string &mediaClass = "Stream/Output/Audio")
	{
		addNode(id, {{"node.name", "stream" + std::to_string(id)},
			     {"media.class", mediaClass},
			     {"client.id", std::to_string(client)}});
	}

	void removeNode(std::uint32_t id)
	{
		model_.removeNode(id);
		policy_.removeObject(id);
	}

	void addPort(std::uint32_t id, std::uint32_t node)
	{
		policy_.addObject(
			id, describeGlobal(ObjectKind::Port, {{"node.id", std::to_string(node)}}));
	}

	void addLink(std::uint32_t id, std::uint32_t output, std::uint32_t input)
	{
		policy_.addObject(id, describeGlobal(ObjectKind::Link,
						     {{"link.output.node", std::to_string(output)},
						      {"link.input.node", std::to_string(input)}}));
	}

	void addFactory(std::uint32_t id, const std::string &name)
	{
		policy_.addObject(id,
				  describeGlobal(ObjectKind::Factory, {{"factory.name", name}}));
	}

	void addMetadata(std::uint32_t id, const std::string &name)
	{
		policy_.addObject(id,
				  describeGlobal(ObjectKind::Metadata, {{"metadata.name", name}}));
	}

	std::uint32_t permissions(std::uint32_t client, std::uint32_t id) const
	{
		return policy_.permissions(*model_.client(client), id);
	}

	PermissionList admit(std::uint32_t client) { return policy_.admit(*model_.client(client)); }

	/* Of the daemon's factories, only client-node and link-factory, read only. */
	void expectOnlyClientFactories(std::uint32_t client)
	{
		const std::pair<std::uint32_t, const char *> factories[] = {
			{300, "client-node"},	   {301, "link-factory"},	{302, "adapter"},
			{303, "spa-node-factory"}, {304, "spa-device-factory"}, {305, "metadata"}};
		for (const auto &[id, name] : factories)
			addFactory(id, name);
		for (const auto &[id, name] : factories)
			EXPECT_EQ(permissions(client, id), id <= 301 ? kR : kNone) << name;
	}

	/* takeUpdates(), keyed by client. A client without changes has no key. */
	std::map<std::uint32_t, Grants> takeUpdates()
	{
		std::map<std::uint32_t, Grants> updates;
		for (const auto &[client, list] : policy_.takeUpdates()) {
			EXPECT_FALSE(updates.contains(client))
				<< "two updates for client " << client;
			updates[client] = toGrants(list);
		}
		return updates;
	}

	SeatZoneModel model_;
	AccessPolicy policy_;
};

/* Identity: who is managed, and which seat or role a client gets. */

TEST_F(AccessPolicyTest, OnlyClientsWithCabinAccessAreManaged)
{
	model_.addClient(40, {{"pipewire.access", "cabin"}, {kSeatSocketProperty, "driver"}});
	model_.addClient(41,
			 {{"pipewire.access", "unrestricted"}, {kSeatSocketProperty, "driver"}});
	model_.addClient(42, {{kSeatSocketProperty, "driver"}});
	EXPECT_TRUE(model_.client(40)->managed);
	EXPECT_FALSE(model_.client(41)->managed);
	EXPECT_FALSE(model_.client(42)->managed);
}

TEST_F(AccessPolicyTest, SocketSeatDecidesWhatAClientSees)
{
	/* The socket wins over a uid that the table maps to another seat. */
	addClient(40, {{kSeatSocketProperty, "driver"}, {"pipewire.sec.uid", "1001"}});
	EXPECT_EQ(model_.client(40)->seat, "driver");
	EXPECT_EQ(permissions(40, kSpeakers), kRWXM);
	EXPECT_EQ(permissions(40, kHeadphones), kNone);
}

TEST_F(AccessPolicyTest, UidTableGivesASeatToClientsOfTheSharedSocket)
{
	addClient(41, {{"pipewire.sec.uid", "1001"}});
	EXPECT_EQ(model_.client(41)->seat, "rear-left");
	EXPECT_EQ(model_.client(41)->source, SeatSource::Uid);
	EXPECT_EQ(permissions(41, kHeadphones), kRWXM);
	EXPECT_EQ(permissions(41, kSpeakers), kNone);
}

TEST_F(AccessPolicyTest, UnknownClientFallsToTheDefaultSeat)
{
	ASSERT_TRUE(model_.setDefaultSeat("driver"));
	addClient(42, {{"pipewire.sec.uid", "4242"}});
	EXPECT_EQ(model_.client(42)->seat, "driver");
	EXPECT_EQ(model_.client(42)->source, SeatSource::Default);
	EXPECT_EQ(permissions(42, kSpeakers), kRWXM);
}

TEST_F(AccessPolicyTest, ClientWithoutAnySeatSeesNoDevices)
{
	addClient(43, {{"pipewire.sec.uid", "4242"}});
	EXPECT_EQ(model_.client(43)->seat, "");
	EXPECT_EQ(permissions(43, kSpeakers), kNone);
	EXPECT_EQ(permissions(43, kHeadphones), kNone);
	EXPECT_EQ(permissions(43, kMic), kNone);
}

TEST_F(AccessPolicyTest, RoleSocketGivesASystemRoleAndNoSeat)
{
	/* Even a uid of rear-left gives no seat to a system role. */
	model_.setDefaultSeat("driver");
	addClient(44, {{kRoleSocketProperty, "administrator"}, {"pipewire.sec.uid", "1001"}});
	addClient(45, {{kRoleSocketProperty, "announcer"}, {kSeatSocketProperty, "driver"}});
	EXPECT_EQ(model_.client(44)->role, ClientRole::Administrator);
	EXPECT_EQ(model_.client(44)->seat, "");
	EXPECT_EQ(model_.client(45)->role, ClientRole::Announcer);
	EXPECT_EQ(model_.client(45)->seat, "");
}

/* admit(): the first, complete list. */

TEST_F(AccessPolicyTest, AdmitDeniesByDefaultFirstAndGrantsTheCoreLast)
{
	addSeatClient(40, "rear-left");
	addFactory(300, "client-node");
	PermissionList list = admit(40);
	ASSERT_GE(list.size(), 3u);
	EXPECT_EQ(list.front().id, PW_ID_ANY);
	EXPECT_EQ(list.front().permissions, kNone);
	EXPECT_EQ(list.back().id, PW_ID_CORE);
	EXPECT_EQ(list.back().permissions, kRX);
	/* The core appears once only, at the end. */
	for (std::size_t i = 0; i + 1 < list.size(); i++)
		EXPECT_NE(list[i].id, PW_ID_CORE) << "entry " << i;
}

TEST_F(AccessPolicyTest, AdmitGrantsExactlyWhatTheSeatMayUse)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "driver");
	addFactory(300, "client-node");
	addFactory(301, "adapter");
	addMetadata(400, "default");
	addMetadata(401, "cabin");
	/* Hidden objects get an explicit "none": entries from an earlier admission go. */
	Grants expected = {
		{PW_ID_ANY, kNone}, {PW_ID_CORE, kRX},	{40, kRWXM},
		{41, kNone},	    {kSpeakers, kNone}, {kHeadphones, kRWXM},
		{kMic, kRWXM},	    {300, kR},		{301, kNone},
		{400, kR},	    {401, kNone},
	};
	EXPECT_EQ(toGrants(admit(40)), expected);
}

TEST_F(AccessPolicyTest, AdmitHasNoUpdatesPendingAfterIt)
{
	addSeatClient(40, "rear-left");
	admit(40);
	EXPECT_TRUE(takeUpdates().empty());
}

/* Seat clients. */

TEST_F(AccessPolicyTest, SeatClientUsesItsOwnClientObject)
{
	addSeatClient(40, "rear-left");
	/*
	 * W: it may update its own properties and lower its own permissions.
	 * M: it may write metadata with itself as subject (share requests).
	 */
	EXPECT_EQ(permissions(40, 40), kRWXM);
}

TEST_F(AccessPolicyTest, SeatClientSeesOnlyClientsOfItsOwnSeat)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "rear-left");
	addSeatClient(42, "driver");
	EXPECT_EQ(permissions(40, 41), kR);
	EXPECT_EQ(permissions(40, 42), kNone);
	EXPECT_EQ(permissions(42, 40), kNone);
}

TEST_F(AccessPolicyTest, SeatClientMayMakeStreamsAndLinksButUseNoOtherFactory)
{
	addSeatClient(40, "rear-left");
	expectOnlyClientFactories(40);
}

TEST_F(AccessPolicyTest, SeatClientReadsDefaultsAndWritesOnlyItsSeatMetadata)
{
	addSeatClient(40, "rear-left");
	addMetadata(400, "default");
	addMetadata(401, "cabin");
	addMetadata(402, seatMetadataName("rear-left"));
	addMetadata(403, seatMetadataName("driver"));
	addMetadata(404, "settings");
	EXPECT_EQ(seatMetadataName("rear-left"), "cabin.seat.rear-left");
	EXPECT_EQ(permissions(40, 400), kR);
	EXPECT_EQ(permissions(40, 401), kNone);
	EXPECT_EQ(permissions(40, 402), kRWX);
	EXPECT_EQ(permissions(40, 403), kNone);
	EXPECT_EQ(permissions(40, 404), kNone);
}

TEST_F(AccessPolicyTest, SeatClientSeesOnlyItsZonesDevices)
{
	addSeatClient(40, "rear-left");
	EXPECT_EQ(permissions(40, kHeadphones), kRWXM);
	EXPECT_EQ(permissions(40, kMic), kRWXM);
	EXPECT_EQ(permissions(40, kSpeakers), kNone);
}

TEST_F(AccessPolicyTest, SharedZoneDevicesBelongToItsOwnerOnly)
{
	addSeatClient(41, "driver");
	EXPECT_EQ(permissions(41, kSpeakers), kRWXM);
	EXPECT_EQ(permissions(41, kHeadphones), kNone);
	EXPECT_EQ(permissions(41, kMic), kNone);
}

TEST_F(AccessPolicyTest, DevicesOfNoZoneAreHiddenFromSeats)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "driver");
	addDevice(33, "usb.dongle", "Audio/Sink");
	EXPECT_EQ(permissions(40, 33), kNone);
	EXPECT_EQ(permissions(41, 33), kNone);
}

TEST_F(AccessPolicyTest, SeatClientSeesStreamsOfItsSeatOnly)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "rear-left");
	addSeatClient(42, "driver");
	addStream(60, 41);
	addStream(61, 42, "Stream/Input/Audio");
	EXPECT_EQ(permissions(40, 60), kRWXM);
	EXPECT_EQ(permissions(40, 61), kNone);
	EXPECT_EQ(permissions(42, 60), kNone);
}

TEST_F(AccessPolicyTest, TheCarsOutputsAndProbesInAZoneAreSeenButNotControlledByItsSeat)
{
	model_.setSessionManagerClient(2);
	model_.addClient(2, {});
	addSeatClient(40, "rear-left");
	addStream(60, 40);
	/* An announcement's output in rear-left's zone, a probe on its stream, a share's end. */
	addNode(70, {{"node.name", "cabin.announcement.1.rear-left"},
		     {"media.class", "Stream/Output/Audio"},
		     {"client.id", "2"},
		     {kNodeZoneProperty, "rear-left"},
		     {kNodeAnnouncementProperty, "1"}});
	addNode(71, {{"node.name", "cabin.probe.60"},
		     {"media.class", "Stream/Input/Audio"},
		     {"client.id", "2"},
		     {kNodeSeatProperty, "rear-left"},
		     {kNodeTargetStreamProperty, "60"},
		     {kNodeProbeProperty, "60"}});
	addNode(72, {{"node.name", "cabin.share.1.playback"},
		     {"media.class", "Stream/Output/Audio"},
		     {"client.id", "2"},
		     {kNodeZoneProperty, "rear-left"},
		     {kNodeShareProperty, "1"}});
	/* A passenger could once mute or destroy the emergency in its headphones. */
	EXPECT_EQ(permissions(40, 70), kR);
	EXPECT_EQ(permissions(40, 71), kR);
	EXPECT_EQ(permissions(40, 72), kRWXM) << "a share's volume is the receiver's";
	/* The same properties on a seat's own stream give it nothing more or less. */
	addNode(73, {{"node.name", "mine"},
		     {"media.class", "Stream/Output/Audio"},
		     {"client.id", "40"},
		     {kNodeAnnouncementProperty, "1"}});
	EXPECT_EQ(permissions(40, 73), kRWXM);
}

TEST_F(AccessPolicyTest, ClientOwnsTheNodesItCreated)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "rear-left");
	/* A virtual sink of no zone, and a node of no audio class. */
	addNode(62,
		{{"node.name", "my.filter"}, {"media.class", "Audio/Sink"}, {"client.id", "40"}});
	addNode(63,
		{{"node.name", "my.video"}, {"media.class", "Video/Source"}, {"client.id", "40"}});
	EXPECT_EQ(permissions(40, 62), kRWXM);
	EXPECT_EQ(permissions(40, 63), kRWXM);
	/* They are no device of a zone and no stream: nobody else sees them. */
	EXPECT_EQ(permissions(41, 62), kNone);
	EXPECT_EQ(permissions(41, 63), kNone);
}

TEST_F(AccessPolicyTest, PortsAreUsableWhenTheirNodeIsVisible)
{
	addSeatClient(40, "rear-left");
	addSeatClient(42, "driver");
	addStream(60, 42);
	addPort(100, kHeadphones);
	addPort(101, kSpeakers);
	addPort(102, 60);
	EXPECT_EQ(permissions(40, 100), kRX);
	EXPECT_EQ(permissions(40, 101), kNone);
	EXPECT_EQ(permissions(40, 102), kNone);
	EXPECT_EQ(permissions(42, 101), kRX);
	EXPECT_EQ(permissions(42, 102), kRX);
}

TEST_F(AccessPolicyTest, LinksAreUsableOnlyWhenBothEndsAreVisible)
{
	addSeatClient(40, "rear-left");
	addSeatClient(42, "driver");
	addStream(60, 40);
	addStream(61, 42);
	addLink(200, 60, kHeadphones);
	addLink(201, 61, kSpeakers);
	/* Crossing seats: each seat sees only one end. */
	addLink(202, 60, kSpeakers);
	addLink(203, kMic, 61);
	/* R only: without X a seat cannot destroy a link. */
	EXPECT_EQ(permissions(40, 200), kR);
	EXPECT_EQ(permissions(40, 201), kNone);
	EXPECT_EQ(permissions(40, 202), kNone);
	EXPECT_EQ(permissions(40, 203), kNone);
	EXPECT_EQ(permissions(42, 200), kNone);
	EXPECT_EQ(permissions(42, 201), kR);
	EXPECT_EQ(permissions(42, 202), kNone);
	EXPECT_EQ(permissions(42, 203), kNone);
}

TEST_F(AccessPolicyTest, SeatClientSeesNoDeviceObjectsOrModules)
{
	addSeatClient(40, "rear-left");
	policy_.addObject(500,
			  describeGlobal(ObjectKind::Device, {{"device.name", "alsa_card.0"}}));
	policy_.addObject(501, describeGlobal(ObjectKind::Module, {}));
	policy_.addObject(502, describeGlobal(ObjectKind::Other, {}));
	EXPECT_EQ(permissions(40, 500), kNone);
	EXPECT_EQ(permissions(40, 501), kNone);
	EXPECT_EQ(permissions(40, 502), kNone);
}

/* Administrator. */

TEST_F(AccessPolicyTest, AdministratorReadsClientsButNeverWritesThem)
{
	addRoleClient(44, "administrator");
	addSeatClient(40, "rear-left");
	addSeatClient(41, "driver");
	EXPECT_EQ(permissions(44, 40), kR);
	EXPECT_EQ(permissions(44, 41), kR);
	/* Its own client object only: W there cannot raise anything. */
	EXPECT_EQ(permissions(44, 44), kRWXM);
}

TEST_F(AccessPolicyTest, AdministratorControlsEveryNodeAndDevice)
{
	addRoleClient(44, "administrator");
	addSeatClient(40, "rear-left");
	addStream(60, 40);
	addDevice(33, "usb.dongle", "Audio/Sink");
	addPort(100, 60);
	addLink(200, 60, kHeadphones);
	policy_.addObject(500, describeGlobal(ObjectKind::Device, {}));
	for (std::uint32_t node : {kSpeakers, kHeadphones, kMic, 33u, 60u})
		EXPECT_EQ(permissions(44, node), kRWXM) << "node " << node;
	EXPECT_EQ(permissions(44, 500), kRWXM);
	EXPECT_EQ(permissions(44, 100), kRX);
	EXPECT_EQ(permissions(44, 200), kR);
}

TEST_F(AccessPolicyTest, AdministratorUsesOnlyClientFactories)
{
	addRoleClient(44, "administrator");
	expectOnlyClientFactories(44);
}

TEST_F(AccessPolicyTest, AdministratorWritesOnlyDefaultAndSettingsMetadata)
{
	addRoleClient(44, "administrator");
	addMetadata(400, "default");
	addMetadata(401, "settings");
	addMetadata(402, "cabin");
	addMetadata(403, seatMetadataName("driver"));
	addMetadata(404, "sm-settings");
	EXPECT_NE(permissions(44, 404) & PW_PERM_W, kNone) << "cabin.default-seat lives there";
	EXPECT_NE(permissions(44, 400) & PW_PERM_W, kNone);
	EXPECT_NE(permissions(44, 401) & PW_PERM_W, kNone);
	EXPECT_EQ(permissions(44, 400) & PW_PERM_R, kR);
	EXPECT_EQ(permissions(44, 401) & PW_PERM_R, kR);
	EXPECT_EQ(permissions(44, 402), kR);
	EXPECT_EQ(permissions(44, 403), kR);
}

TEST_F(AccessPolicyTest, AdministratorMaySetMetadataOnTheCore)
{
	addRoleClient(44, "administrator");
	addSeatClient(40, "rear-left");
	EXPECT_EQ(permissions(44, PW_ID_CORE), kRX | PW_PERM_M);
	EXPECT_EQ(permissions(40, PW_ID_CORE), kRX);
	PermissionList list = admit(44);
	EXPECT_EQ(list.back().id, PW_ID_CORE);
	EXPECT_EQ(list.back().permissions, kRX | PW_PERM_M);
}

/* Announcer. */

TEST_F(AccessPolicyTest, AnnouncerSeesOnlyItsOwnStreamsAndTheCabinState)
{
	addRoleClient(45, "announcer");
	addSeatClient(40, "rear-left");
	addSeatClient(41, "driver");
	addStream(60, 45);
	addStream(61, 40);
	addStream(62, 41);
	addPort(100, 60);
	addLink(200, 60, kSpeakers);
	addFactory(300, "client-node");
	addFactory(301, "link-factory");
	addMetadata(400, "default");
	addMetadata(401, "cabin");
	addMetadata(402, seatMetadataName("driver"));
	policy_.addObject(500, describeGlobal(ObjectKind::Device, {}));

	Grants expected = {
		{PW_ID_ANY, kNone}, {PW_ID_CORE, kRX}, {45, kRWXM}, {60, kRWXM},
		{100, kRX},	    {300, kR},	       {401, kR},
	};
	EXPECT_EQ(granted(admit(45)), expected);
}

/* takeUpdates(): what changes reach whom. */

TEST_F(AccessPolicyTest, NewStreamIsGrantedToClientsOfItsSeatOnly)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "rear-left");
	addSeatClient(42, "driver");
	admit(40);
	admit(41);
	admit(42);
	addStream(60, 41);
	auto updates = takeUpdates();
	EXPECT_EQ(updates[40], (Grants{{60, kRWXM}}));
	EXPECT_EQ(updates[41], (Grants{{60, kRWXM}}));
	EXPECT_FALSE(updates.contains(42));
	EXPECT_TRUE(takeUpdates().empty());
}

TEST_F(AccessPolicyTest, NewClientIsShownToItsSeatAndToTheAdministrator)
{
	addSeatClient(40, "rear-left");
	addSeatClient(42, "driver");
	addRoleClient(44, "administrator");
	admit(40);
	admit(42);
	admit(44);
	addSeatClient(41, "rear-left");
	auto updates = takeUpdates();
	EXPECT_EQ(updates[40], (Grants{{41, kR}}));
	EXPECT_EQ(updates[44], (Grants{{41, kR}}));
	EXPECT_FALSE(updates.contains(42));
}

TEST_F(AccessPolicyTest, UnchangedObjectsAreNotResent)
{
	addSeatClient(40, "rear-left");
	addStream(60, 40);
	admit(40);
	/* Re-evaluating something whose permission stays the same sends nothing. */
	policy_.objectChanged(60);
	policy_.objectChanged(kHeadphones);
	policy_.nodeChanged(kMic);
	EXPECT_TRUE(takeUpdates().empty());
	policy_.allChanged();
	EXPECT_TRUE(takeUpdates().empty());
}

TEST_F(AccessPolicyTest, RemovedNodeIdReusedForAnotherSeatStartsFresh)
{
	addSeatClient(40, "rear-left");
	addSeatClient(42, "driver");
	addStream(60, 40);
	admit(40);
	admit(42);
	EXPECT_EQ(permissions(40, 60), kRWXM);

	/* The server drops a destroyed global's entries: nothing to revoke. */
	removeNode(60);
	EXPECT_TRUE(takeUpdates().empty());

	addStream(60, 42);
	auto updates = takeUpdates();
	EXPECT_FALSE(updates.contains(40));
	EXPECT_EQ(updates[42], (Grants{{60, kRWXM}}));
}

TEST_F(AccessPolicyTest, RemovedAndReaddedForTheSameSeatIsGrantedAgain)
{
	addSeatClient(40, "rear-left");
	addStream(60, 40);
	admit(40);
	removeNode(60);
	addStream(60, 40);
	/* The old grant died with the old global; the new one must be sent. */
	EXPECT_EQ(takeUpdates()[40], (Grants{{60, kRWXM}}));
}

TEST_F(AccessPolicyTest, NodeChangeReevaluatesItsPortsAndLinks)
{
	addSeatClient(40, "rear-left");
	/* A stream whose client the model does not know yet has no seat. */
	addStream(60, 41);
	addPort(100, 60);
	addLink(200, 60, kHeadphones);
	addLink(201, kMic, 60);
	admit(40);
	EXPECT_TRUE(takeUpdates().empty());
	EXPECT_EQ(permissions(40, 60), kNone);

	model_.addClient(41, {{"pipewire.access", "cabin"}, {kSeatSocketProperty, "rear-left"}});
	policy_.nodeChanged(60);
	EXPECT_EQ(takeUpdates()[40], (Grants{{60, kRWXM}, {100, kRX}, {200, kR}, {201, kR}}));
}

TEST_F(AccessPolicyTest, DefaultSeatChangeReachesClientsThatFellToIt)
{
	addClient(43, {{"pipewire.sec.uid", "4242"}});
	addSeatClient(40, "rear-left");
	addMetadata(402, seatMetadataName("rear-left"));
	admit(43);
	admit(40);

	ASSERT_TRUE(model_.setDefaultSeat("rear-left"));
	policy_.allChanged();
	auto updates = takeUpdates();
	EXPECT_EQ(updates[43],
		  (Grants{{40, kR}, {kHeadphones, kRWXM}, {kMic, kRWXM}, {402, kRWX}}));
	/* The seat's own client now sees its new seat mate. */
	EXPECT_EQ(updates[40], (Grants{{43, kR}}));
}

TEST_F(AccessPolicyTest, DefaultSeatChangeRevokesWhatTheOldSeatAllowed)
{
	ASSERT_TRUE(model_.setDefaultSeat("driver"));
	addClient(43, {{"pipewire.sec.uid", "4242"}});
	addSeatClient(41, "driver");
	addStream(60, 41);
	admit(43);
	ASSERT_EQ(permissions(43, kSpeakers), kRWXM);

	ASSERT_TRUE(model_.setDefaultSeat("rear-left"));
	policy_.allChanged();
	EXPECT_EQ(takeUpdates()[43], (Grants{{41, kNone},
					     {60, kNone},
					     {kSpeakers, kNone},
					     {kHeadphones, kRWXM},
					     {kMic, kRWXM}}));
}

TEST_F(AccessPolicyTest, DefaultSeatChangeLeavesSocketClientsAlone)
{
	addSeatClient(40, "rear-left");
	admit(40);
	ASSERT_TRUE(model_.setDefaultSeat("driver"));
	policy_.allChanged();
	EXPECT_TRUE(takeUpdates().empty());
}

TEST_F(AccessPolicyTest, ForgottenClientGetsNoMoreUpdates)
{
	addSeatClient(40, "rear-left");
	addSeatClient(41, "rear-left");
	admit(40);
	admit(41);
	policy_.forgetClient(40);
	addStream(60, 41);
	auto updates = takeUpdates();
	EXPECT_FALSE(updates.contains(40));
	EXPECT_EQ(updates[41], (Grants{{60, kRWXM}}));
}

TEST_F(AccessPolicyTest, ClientsNeverAdmittedGetNoUpdates)
{
	addSeatClient(40, "rear-left");
	addStream(60, 40);
	EXPECT_TRUE(takeUpdates().empty());
}

} // namespace
} // namespace cabin
