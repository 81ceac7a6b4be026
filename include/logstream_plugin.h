/* include/logstream_plugin.h -- The versioned C ABI of logfilter's shared-object plugins.
 * The only installed header of LogStream; plain C, usable from C and C++.
 * See docs/plugin-abi.md for the protocol, a worked example, and the versioning rules. */
#ifndef LOGSTREAM_PLUGIN_H_
#define LOGSTREAM_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. It is also the suffix of the exported symbol and of
 * the descriptor type: ABI version N is `logstream_plugin_vN` returning a
 * `const logstream_plugin_vN_desc*`. An incompatible change never edits an existing version:
 * it adds logstream_plugin_v2 and logstream_plugin_v2_desc, and a host may support several
 * versions at once by looking up each symbol in turn. */
#define LOGSTREAM_PLUGIN_ABI_VERSION 1

/* Marks the one symbol a plugin exports (build with -fvisibility=hidden to keep the rest
 * private). */
#if defined(__GNUC__) || defined(__clang__)
#define LOGSTREAM_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define LOGSTREAM_PLUGIN_EXPORT
#endif

/* Hands one output record back to the host. `record` is one JSON object, `record_len` bytes,
 * without a newline and not necessarily NUL-terminated. The host copies the bytes before
 * returning, so the plugin may reuse its buffer at once. Call it only from inside process(),
 * on the thread that called process(), and always pass the emit_context received there. */
typedef void (*logstream_emit_fn)(void* emit_context, const char* record, size_t record_len);

/* The descriptor of an ABI-version-1 plugin. It is static, constant data owned by the plugin
 * and must stay valid until the library is unloaded (dlclose). */
typedef struct logstream_plugin_v1_desc {
  /* Must be LOGSTREAM_PLUGIN_ABI_VERSION (1) as compiled into the plugin. The host reads this
   * first field before anything else and refuses the plugin when it does not match:
   * "plugin 'x.so': ABI version 2, this logfilter supports 1". */
  uint32_t abi_version;

  /* A short name for messages and --stats ("geo-tag"); static storage. NULL or "" makes the
   * host use the file name. */
  const char* name;

  /* Creates one instance. `config_json` is the text given with --plugin-config ("{}" when
   * none): a JSON object, `config_len` bytes, NUL-terminated for convenience (the NUL is not
   * counted), valid only during the call: copy what you keep.
   * Returns the instance, which must not be NULL (a stateless plugin may return the address of
   * a static object). On failure returns NULL after writing a one-line message, without a
   * final period, into `error` (at most `error_len` bytes including the terminating NUL;
   * error_len is at least 256). The host reports
   * "plugin 'x.so': init failed: <message>" and exits with status 78 (bad configuration).
   * May be NULL in the descriptor: the instance pointer passed to process() is then NULL. */
  void* (*init)(const char* config_json, size_t config_len, char* error, size_t error_len);

  /* Processes one record. `record` is one canonical NDJSON record: a JSON object,
   * `record_len` bytes, without the newline and NOT NUL-terminated; the bytes are valid only
   * during the call. The plugin calls emit(emit_context, ...) zero times (drop the record),
   * once (pass or transform it) or many times (split it), in the order the outputs are to
   * appear. Returns 0 on success, any other value on a fatal error: the host stops the run
   * ("plugin 'x.so': process failed with code N"). A bad record is not a fatal error: drop it,
   * or emit it with a field saying what was wrong. Required. */
  int (*process)(void* instance, const char* record, size_t record_len, logstream_emit_fn emit,
                 void* emit_context);

  /* Frees an instance created by init(). Called exactly once per successful init(), after the
   * last process() call on that instance, on any thread; never when init is NULL. May be
   * NULL. */
  void (*destroy)(void* instance);
} logstream_plugin_v1_desc;

/* THE exported entry point of an ABI-version-1 plugin. Returns the plugin's descriptor (never
 * NULL); it is called once, right after dlopen, and must have no side effects.
 *
 * Threading: the host creates one instance per worker thread and never calls into one
 * instance from two threads at once, but different instances run concurrently. So init(),
 * process() and destroy() must not share mutable state across instances without their own
 * locking, and the plugin must not keep global per-record state. Instances of the same plugin
 * do not see the records in input order, and each sees only a subset of them; the host puts
 * the outputs back in input order (unless run with --unordered).
 *
 * Errors: a plugin must not call exit(), abort on bad input, install signal handlers, write to
 * standard output (it carries the records), or let a C++ exception escape any of these
 * functions. Diagnostics may go to standard error. */
LOGSTREAM_PLUGIN_EXPORT const logstream_plugin_v1_desc* logstream_plugin_v1(void);

/* The type of the entry point, for hosts that look it up with dlsym(). */
typedef const logstream_plugin_v1_desc* (*logstream_plugin_v1_entry_fn)(void);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* LOGSTREAM_PLUGIN_H_ */
