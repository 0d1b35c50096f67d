/* SPDX-License-Identifier: MIT */
/*
 * cabin-test-seat-write: writes one key into a metadata object as a seat
 * client would, on its own client id (or on SUBJECT), then waits up to 5 s
 * for module-cabin's `cabin.reply` on that subject. Prints `subject N`,
 * then the reply on a line of its own. Exit 0 with a reply, 3 when none
 * came, 1 on errors. The attack tests use it
 * for what `cabinctl` never sends: any text as a request, any key.
 *
 *   cabin-test-seat-write METADATA KEY VALUE-FILE [SUBJECT]
 *
 * VALUE-FILE holds the value (a request can be larger than an argument
 * should be); `-` reads standard input.
 */
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>

namespace {

struct Writer {
	struct pw_main_loop *loop = nullptr;
	struct pw_core *core = nullptr;
	struct pw_registry *registry = nullptr;
	struct spa_hook registryListener = {};
	struct spa_hook metadataListener = {};
	struct pw_metadata *metadata = nullptr;
	std::string name;
	std::uint32_t subject = SPA_ID_INVALID;
	std::optional<std::string> reply;
};

int onProperty(void *data, std::uint32_t subject, const char *key, const char *, const char *value)
{
	auto *writer = static_cast<Writer *>(data);
	if (subject == writer->subject && value && key && std::strcmp(key, "cabin.reply") == 0) {
		writer->reply = value;
		pw_main_loop_quit(writer->loop);
	}
	return 0;
}

void onGlobal(void *data, std::uint32_t id, std::uint32_t, const char *type, std::uint32_t,
	      const struct spa_dict *props)
{
	static const struct pw_metadata_events kMetadataEvents = {
		.version = PW_VERSION_METADATA_EVENTS,
		.property = onProperty,
	};
	auto *writer = static_cast<Writer *>(data);
	const char *name = props ? spa_dict_lookup(props, PW_KEY_METADATA_NAME) : nullptr;
	if (writer->metadata || std::strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || !name ||
	    writer->name != name)
		return;
	writer->metadata = static_cast<struct pw_metadata *>(
		pw_registry_bind(writer->registry, id, type, PW_VERSION_METADATA, 0));
	pw_metadata_add_listener(writer->metadata, &writer->metadataListener, &kMetadataEvents,
				 writer);
}

void onTimeout(void *data, std::uint64_t)
{
	pw_main_loop_quit(static_cast<Writer *>(data)->loop);
}

} // namespace

int main(int argc, char *argv[])
{
	if (argc != 4 && argc != 5) {
		std::fprintf(stderr, "usage: %s METADATA KEY VALUE-FILE [SUBJECT]\n", argv[0]);
		return 1;
	}
	std::string value;
	if (std::strcmp(argv[3], "-") == 0) {
		value.assign(std::istreambuf_iterator<char>(std::cin), {});
	} else {
		std::ifstream file(argv[3], std::ios::binary);
		if (!file) {
			std::fprintf(stderr, "cannot read %s\n", argv[3]);
			return 1;
		}
		value.assign(std::istreambuf_iterator<char>(file), {});
	}

	pw_init(&argc, &argv);
	Writer writer;
	writer.name = argv[1];
	writer.loop = pw_main_loop_new(nullptr);
	struct pw_context *context = pw_context_new(pw_main_loop_get_loop(writer.loop), nullptr, 0);
	writer.core = pw_context_connect(context, nullptr, 0);
	if (!writer.core) {
		std::fprintf(stderr, "cannot connect: %s\n", std::strerror(errno));
		return 1;
	}
	static const struct pw_registry_events kRegistryEvents = {
		.version = PW_VERSION_REGISTRY_EVENTS,
		.global = onGlobal,
	};
	writer.registry = pw_core_get_registry(writer.core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(writer.registry, &writer.registryListener, &kRegistryEvents,
				 &writer);
	struct spa_source *timer =
		pw_loop_add_timer(pw_main_loop_get_loop(writer.loop), onTimeout, &writer);
	struct timespec timeout = {5, 0};
	pw_loop_update_timer(pw_main_loop_get_loop(writer.loop), timer, &timeout, nullptr, false);

	/* The registry's first listing, and our own client's id, come with this round trip. */
	int seq = pw_core_sync(writer.core, PW_ID_CORE, 0);
	struct spa_hook coreListener = {};
	struct Done {
		Writer *writer;
		int seq;
	} done{&writer, seq};
	static const struct pw_core_events kCoreEvents = {
		.version = PW_VERSION_CORE_EVENTS,
		.done =
			[](void *data, std::uint32_t id, int doneSeq) {
				auto *d = static_cast<Done *>(data);
				if (id == PW_ID_CORE && doneSeq == d->seq)
					pw_main_loop_quit(d->writer->loop);
			},
	};
	pw_core_add_listener(writer.core, &coreListener, &kCoreEvents, &done);
	pw_main_loop_run(writer.loop);
	spa_hook_remove(&coreListener);

	int status = 1;
	if (!writer.metadata) {
		std::fprintf(stderr, "no metadata named %s visible\n", argv[1]);
	} else {
		writer.subject =
			argc == 5 ? static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10))
				  : pw_proxy_get_bound_id(reinterpret_cast<struct pw_proxy *>(
					    pw_core_get_client(writer.core)));
		std::printf("subject %u\n", writer.subject);
		std::fflush(stdout);
		pw_metadata_set_property(writer.metadata, writer.subject, argv[2],
					 "Spa:String:JSON", value.c_str());
		pw_main_loop_run(writer.loop);
		if (writer.reply) {
			std::printf("%s\n", writer.reply->c_str());
			status = 0;
		} else {
			status = 3;
		}
	}
	if (writer.metadata)
		pw_proxy_destroy(reinterpret_cast<struct pw_proxy *>(writer.metadata));
	pw_proxy_destroy(reinterpret_cast<struct pw_proxy *>(writer.registry));
	pw_core_disconnect(writer.core);
	pw_context_destroy(context);
	pw_main_loop_destroy(writer.loop);
	pw_deinit();
	return status;
}
