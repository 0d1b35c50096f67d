/* SPDX-License-Identifier: MIT */
/*
 * libspa-cabin: the SPA entry point. Two factories, `cabin.alsa.zone-sink`
 * and `cabin.alsa.zone-source`, whose handles hold a ZoneNode; this file
 * only forwards the C interface to it (see zone-node.hpp).
 */
#include <cerrno>
#include <cstring>
#include <new>

#include <spa/node/node.h>
#include <spa/support/log.h>
#include <spa/support/plugin.h>
#include <spa/utils/defs.h>

#include "zone-node.hpp"

namespace {

using cabin::zone::Direction;
using cabin::zone::ZoneNode;

struct ZoneHandle {
	spa_handle handle;
	ZoneNode *node;
};

ZoneNode *zoneOf(void *object)
{
	return static_cast<ZoneNode *>(object);
}

const spa_node_methods kNodeMethods = {
	.version = SPA_VERSION_NODE_METHODS,
	.add_listener =
		[](void *object, spa_hook *listener, const spa_node_events *events, void *data) {
			return zoneOf(object)->addListener(listener, events, data);
		},
	.set_callbacks = [](void *object, const spa_node_callbacks *callbacks,
			    void *data) { return zoneOf(object)->setCallbacks(callbacks, data); },
	.sync = [](void *object, int seq) { return zoneOf(object)->sync(seq); },
	.enum_params =
		[](void *object, int seq, uint32_t id, uint32_t start, uint32_t num,
		   const spa_pod *filter) {
			return zoneOf(object)->enumParams(seq, id, start, num, filter);
		},
	.set_param = [](void *, uint32_t, uint32_t, const spa_pod *) { return -ENOENT; },
	.set_io = [](void *object, uint32_t id, void *data,
		     size_t size) { return zoneOf(object)->setIo(id, data, size); },
	.send_command =
		[](void *object, const spa_command *command) {
			return zoneOf(object)->sendCommand(command);
		},
	.add_port = [](void *, spa_direction, uint32_t, const spa_dict *) { return -ENOTSUP; },
	.remove_port = [](void *, spa_direction, uint32_t) { return -ENOTSUP; },
	.port_enum_params =
		[](void *object, int seq, spa_direction direction, uint32_t portId, uint32_t id,
		   uint32_t start, uint32_t num, const spa_pod *filter) {
			return zoneOf(object)->portEnumParams(seq, direction, portId, id, start,
							      num, filter);
		},
	.port_set_param =
		[](void *object, spa_direction direction, uint32_t portId, uint32_t id,
		   uint32_t flags, const spa_pod *param) {
			return zoneOf(object)->portSetParam(direction, portId, id, flags, param);
		},
	.port_use_buffers =
		[](void *object, spa_direction direction, uint32_t portId, uint32_t flags,
		   spa_buffer **buffers, uint32_t count) {
			return zoneOf(object)->portUseBuffers(direction, portId, flags, buffers,
							      count);
		},
	.port_set_io =
		[](void *object, spa_direction direction, uint32_t portId, uint32_t id, void *data,
		   size_t size) {
			return zoneOf(object)->portSetIo(direction, portId, id, data, size);
		},
	.port_reuse_buffer =
		[](void *object, uint32_t portId, uint32_t bufferId) {
			return zoneOf(object)->portReuseBuffer(portId, bufferId);
		},
	.process = [](void *object) { return zoneOf(object)->process(); },
};

int getInterface(spa_handle *handle, const char *type, void **interface)
{
	auto *zone = reinterpret_cast<ZoneHandle *>(handle);
	if (!spa_streq(type, SPA_TYPE_INTERFACE_Node))
		return -ENOENT;
	*interface = zone->node->node();
	return 0;
}

int clearHandle(spa_handle *handle)
{
	auto *zone = reinterpret_cast<ZoneHandle *>(handle);
	delete zone->node;
	zone->node = nullptr;
	return 0;
}

size_t getSize(const spa_handle_factory *, const spa_dict *)
{
	return sizeof(ZoneHandle);
}

template<Direction direction>
int initHandle(const spa_handle_factory *, spa_handle *handle, const spa_dict *info,
	       const spa_support *support, uint32_t nSupport)
{
	auto *zone = reinterpret_cast<ZoneHandle *>(handle);
	handle->get_interface = getInterface;
	handle->clear = clearHandle;
	zone->node = new (std::nothrow) ZoneNode(direction);
	if (!zone->node)
		return -ENOMEM;
	spa_node *node = zone->node->node();
	node->iface = SPA_INTERFACE_INIT(SPA_TYPE_INTERFACE_Node, SPA_VERSION_NODE, &kNodeMethods,
					 zone->node);
	int res = zone->node->init(info, support, nSupport);
	if (res < 0) {
		delete zone->node;
		zone->node = nullptr;
	}
	return res;
}

const spa_interface_info kInterfaces[] = {{SPA_TYPE_INTERFACE_Node}};

int enumInterfaceInfo(const spa_handle_factory *, const spa_interface_info **info, uint32_t *index)
{
	if (*index >= SPA_N_ELEMENTS(kInterfaces))
		return 0;
	*info = &kInterfaces[(*index)++];
	return 1;
}

const spa_dict_item kSinkInfoItems[] = {
	{SPA_KEY_FACTORY_AUTHOR, "Cabin"},
	{SPA_KEY_FACTORY_DESCRIPTION, "One zone of a shared ALSA playback PCM"},
	{SPA_KEY_FACTORY_USAGE, "api.alsa.path=<pcm> cabin.alsa.channels=[ n ... ] "
				"audio.position=[ FL FR ... ]"},
};
const spa_dict kSinkInfo = SPA_DICT_INIT_ARRAY(kSinkInfoItems);

const spa_dict_item kSourceInfoItems[] = {
	{SPA_KEY_FACTORY_AUTHOR, "Cabin"},
	{SPA_KEY_FACTORY_DESCRIPTION, "One zone of a shared ALSA capture PCM"},
	{SPA_KEY_FACTORY_USAGE, "api.alsa.path=<pcm> cabin.alsa.channels=[ n ... ] "
				"audio.position=[ MONO ... ]"},
};
const spa_dict kSourceInfo = SPA_DICT_INIT_ARRAY(kSourceInfoItems);

const spa_handle_factory kZoneSinkFactory = {
	SPA_VERSION_HANDLE_FACTORY,	 "cabin.alsa.zone-sink", &kSinkInfo, getSize,
	initHandle<Direction::Playback>, enumInterfaceInfo,
};

const spa_handle_factory kZoneSourceFactory = {
	SPA_VERSION_HANDLE_FACTORY,	"cabin.alsa.zone-source", &kSourceInfo, getSize,
	initHandle<Direction::Capture>, enumInterfaceInfo,
};

} // namespace

extern "C" SPA_EXPORT int spa_handle_factory_enum(const spa_handle_factory **factory,
						  uint32_t *index)
{
	switch (*index) {
	case 0:
		*factory = &kZoneSinkFactory;
		break;
	case 1:
		*factory = &kZoneSourceFactory;
		break;
	default:
		return 0;
	}
	(*index)++;
	return 1;
}
