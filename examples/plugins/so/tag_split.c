/* examples/plugins/so/tag_split.c -- An example shared-object plugin (ABI v1): sets the fields
 * of its config's "add" object on every record, and splits a record whose "batch" field is an
 * array into one record per element. Build: gcc -shared -fPIC -I. tag_split.c -o tag_split.so
 *
 * Config (every key optional):
 *   {"add": {"env": "prod", "dc": "eu-1"},   fields to set on every output record
 *    "split": "batch"}                        the array field to split on ("" disables it)
 * Records come in canonical form (docs/record-format.md):
 *   {"timestamp":"…","source":"…","level":"…","message":"…","fields":{…,"batch":[…]}}
 * Splitting gives one record per element: the envelope without "batch", plus the element's
 * members. An element's (or "add"'s) timestamp, source, level and message replace the
 * envelope's; its other members go into "fields". An element that is not an object becomes
 * "fields":{…,"batch":<element>}; an empty array drops the record. When a key occurs twice,
 * "add" wins over the element, which wins over the envelope. Keys are compared as written
 * (escapes are not decoded). The output need not be canonical: the host normalises it.
 *
 * The JSON scanner below is deliberately small: it finds the bounds of values and trusts the
 * host to validate what the plugin emits, as the host does for every plugin's output. An
 * out-of-tree plugin writes #include <logstream_plugin.h>. */
#include "include/logstream_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- A minimal JSON scanner over [p, end) ---- */

typedef struct {
  const char* key; /* the key with its quotes */
  size_t key_len;
  const char* value;
  size_t value_len;
} member;

static const char* skip_ws(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  return p;
}

/* p at '"'; returns the byte after the closing quote, or NULL. */
static const char* scan_string(const char* p, const char* end) {
  for (++p; p < end; ++p) {
    if (*p == '\\') {
      ++p;
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return NULL;
}

/* Returns the byte after the value starting at p, or NULL. */
static const char* scan_value(const char* p, const char* end) {
  if (p >= end) return NULL;
  if (*p == '"') return scan_string(p, end);
  if (*p == '{' || *p == '[') {
    size_t depth = 0;
    while (p < end) {
      if (*p == '"') {
        p = scan_string(p, end);
        if (p == NULL) return NULL;
        continue;
      }
      if (*p == '{' || *p == '[') ++depth;
      if (*p == '}' || *p == ']') {
        if (--depth == 0) return p + 1;
      }
      ++p;
    }
    return NULL;
  }
  const char* start = p;
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
         *p != '\n' && *p != '\r') {
    ++p;
  }
  return p > start ? p : NULL;
}

/* A growable array of members. */
typedef struct {
  member* items;
  size_t size;
  size_t capacity;
} member_list;

static int member_list_push(member_list* list, member m) {
  if (list->size == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 16;
    member* items = realloc(list->items, capacity * sizeof(member));
    if (items == NULL) return -1;
    list->items = items;
    list->capacity = capacity;
  }
  list->items[list->size++] = m;
  return 0;
}

/* Parses the object [p, end) (surrounding whitespace allowed) into `out` (cleared first).
 * Returns 0, 1 when the text is not an object, or -1 when out of memory. */
static int parse_object(const char* p, const char* end, member_list* out) {
  out->size = 0;
  p = skip_ws(p, end);
  if (p >= end || *p != '{') return 1;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return skip_ws(p + 1, end) == end ? 0 : 1;
  for (;;) {
    member m;
    if (p >= end || *p != '"') return 1;
    m.key = p;
    p = scan_string(p, end);
    if (p == NULL) return 1;
    m.key_len = (size_t)(p - m.key);
    p = skip_ws(p, end);
    if (p >= end || *p != ':') return 1;
    p = skip_ws(p + 1, end);
    m.value = p;
    p = scan_value(p, end);
    if (p == NULL) return 1;
    m.value_len = (size_t)(p - m.value);
    if (member_list_push(out, m) != 0) return -1;
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
      p = skip_ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') return skip_ws(p + 1, end) == end ? 0 : 1;
    return 1;
  }
}

static int key_is(const member* m, const char* name, size_t name_len) {
  return m->key_len == name_len + 2 && memcmp(m->key + 1, name, name_len) == 0;
}

static int list_has_key(const member_list* list, const member* m) {
  for (size_t i = 0; i < list->size; ++i) {
    if (list->items[i].key_len == m->key_len &&
        memcmp(list->items[i].key, m->key, m->key_len) == 0) {
      return 1;
    }
  }
  return 0;
}

/* ---- The plugin ---- */

typedef struct {
  char* config;         /* owned copy of the config text; `add` points into it */
  member_list add;      /* members of "add" */
  char* split;          /* the field to split on; "" when disabled */
  size_t split_len;
  member_list top;      /* scratch, reused from record to record: top level minus "fields" */
  member_list fields;   /* the members of "fields" */
  member_list element;  /* the members of one array element */
  char* out;            /* output buffer, reused */
  size_t out_size;
  size_t out_capacity;
  int out_first;        /* no member written yet in the current object */
} tag_split;

static void tag_split_destroy(void* instance) {
  tag_split* t = instance;
  if (t == NULL) return;
  free(t->config);
  free(t->add.items);
  free(t->split);
  free(t->top.items);
  free(t->fields.items);
  free(t->element.items);
  free(t->out);
  free(t);
}

static void* tag_split_init(const char* config_json, size_t config_len, char* error,
                            size_t error_len) {
  member_list top = {NULL, 0, 0};
  const char* split = "batch";
  size_t split_len = 5;
  int rc;
  tag_split* t = calloc(1, sizeof(tag_split));
  if (t == NULL) goto oom;
  t->config = malloc(config_len + 1);
  if (t->config == NULL) goto oom;
  memcpy(t->config, config_json, config_len);
  t->config[config_len] = '\0';
  rc = parse_object(t->config, t->config + config_len, &top);
  if (rc < 0) goto oom;
  if (rc > 0) {
    snprintf(error, error_len, "config is not a JSON object");
    goto fail;
  }
  for (size_t i = 0; i < top.size; ++i) {
    const member* m = &top.items[i];
    if (key_is(m, "add", 3)) {
      rc = parse_object(m->value, m->value + m->value_len, &t->add);
      if (rc < 0) goto oom;
      if (rc > 0) {
        snprintf(error, error_len, "config: \"add\" must be an object, not %.*s",
                 (int)(m->value_len > 40 ? 40 : m->value_len), m->value);
        goto fail;
      }
    } else if (key_is(m, "split", 5)) {
      if (m->value_len < 2 || m->value[0] != '"' || memchr(m->value, '\\', m->value_len)) {
        snprintf(error, error_len, "config: \"split\" must be a field name (a plain string)");
        goto fail;
      }
      split = m->value + 1;
      split_len = m->value_len - 2;
    } else {
      snprintf(error, error_len, "config: unknown key %.*s (expected \"add\" or \"split\")",
               (int)m->key_len, m->key);
      goto fail;
    }
  }
  t->split = malloc(split_len + 1);
  if (t->split == NULL) goto oom;
  memcpy(t->split, split, split_len);
  t->split[split_len] = '\0';
  t->split_len = split_len;
  free(top.items);
  return t;

oom:
  snprintf(error, error_len, "out of memory");
fail:
  free(top.items);
  tag_split_destroy(t);
  return NULL;
}

/* The four keys that live at the top level of a canonical record. */
static int is_canonical(const member* m) {
  return key_is(m, "timestamp", 9) || key_is(m, "source", 6) || key_is(m, "level", 5) ||
         key_is(m, "message", 7);
}

static int out_append(tag_split* t, const char* data, size_t len) {
  if (t->out_size + len > t->out_capacity) {
    size_t capacity = t->out_capacity ? t->out_capacity : 1024;
    while (capacity < t->out_size + len) capacity *= 2;
    char* out = realloc(t->out, capacity);
    if (out == NULL) return -1;
    t->out = out;
    t->out_capacity = capacity;
  }
  memcpy(t->out + t->out_size, data, len);
  t->out_size += len;
  return 0;
}

static int out_open(tag_split* t, const char* text, size_t len) {
  t->out_first = 1;
  return out_append(t, text, len);
}

static int out_member(tag_split* t, const member* m) {
  if (!t->out_first && out_append(t, ",", 1) != 0) return -1;
  t->out_first = 0;
  if (out_append(t, m->key, m->key_len) != 0 || out_append(t, ":", 1) != 0) return -1;
  return out_append(t, m->value, m->value_len);
}

/* Emits one record: the envelope (minus the member `skip`), merged with the members of
 * `element` (or with `"split":element` when it is not an object) and of "add". `element` is
 * NULL when there is nothing to merge. Returns -1 when out of memory. */
static int emit_merged(tag_split* t, const member* skip, const member* element,
                       logstream_emit_fn emit, void* emit_context) {
  member scalar = {NULL, 0, NULL, 0}; /* `"split":element` for a non-object element */
  t->element.size = 0;
  if (element != NULL) {
    int rc = parse_object(element->value, element->value + element->value_len, &t->element);
    if (rc < 0) return -1;
    if (rc > 0) {
      scalar = *element;
      scalar.key = skip->key;
      scalar.key_len = skip->key_len;
      t->element.size = 0;
      if (member_list_push(&t->element, scalar) != 0) return -1;
    }
  }
  t->out_size = 0;
  if (out_open(t, "{", 1) != 0) return -1;
  /* Top level: the envelope's members that nothing replaces, then the replacements. */
  for (size_t i = 0; i < t->top.size; ++i) {
    const member* m = &t->top.items[i];
    if (m == skip || list_has_key(&t->element, m) || list_has_key(&t->add, m)) continue;
    if (out_member(t, m) != 0) return -1;
  }
  for (size_t i = 0; i < t->element.size; ++i) {
    const member* m = &t->element.items[i];
    if (is_canonical(m) && !list_has_key(&t->add, m) && out_member(t, m) != 0) return -1;
  }
  for (size_t i = 0; i < t->add.size; ++i) {
    if (is_canonical(&t->add.items[i]) && out_member(t, &t->add.items[i]) != 0) return -1;
  }
  /* "fields": the same, for every other key. */
  if (!t->out_first && out_append(t, ",", 1) != 0) return -1;
  if (out_open(t, "\"fields\":{", 10) != 0) return -1;
  for (size_t i = 0; i < t->fields.size; ++i) {
    const member* m = &t->fields.items[i];
    if (m == skip) continue;
    if (!is_canonical(m) && (list_has_key(&t->element, m) || list_has_key(&t->add, m))) continue;
    if (out_member(t, m) != 0) return -1;
  }
  for (size_t i = 0; i < t->element.size; ++i) {
    const member* m = &t->element.items[i];
    if (!is_canonical(m) && !list_has_key(&t->add, m) && out_member(t, m) != 0) return -1;
  }
  for (size_t i = 0; i < t->add.size; ++i) {
    if (!is_canonical(&t->add.items[i]) && out_member(t, &t->add.items[i]) != 0) return -1;
  }
  if (out_append(t, "}}", 2) != 0) return -1;
  emit(emit_context, t->out, t->out_size);
  return 0;
}

static const member* find_array(const member_list* list, const char* key, size_t key_len) {
  for (size_t i = 0; i < list->size; ++i) {
    const member* m = &list->items[i];
    if (key_is(m, key, key_len) && m->value_len > 0 && m->value[0] == '[') return m;
  }
  return NULL;
}

static int tag_split_process(void* instance, const char* record, size_t record_len,
                             logstream_emit_fn emit, void* emit_context) {
  tag_split* t = instance;
  int rc = parse_object(record, record + record_len, &t->top);
  if (rc < 0) return 1; /* out of memory: fatal */
  if (rc > 0) {
    /* Not an object: pass it on unchanged; the host rejects it with its line number. */
    emit(emit_context, record, record_len);
    return 0;
  }
  /* Take "fields" out of the top level. */
  t->fields.size = 0;
  for (size_t i = 0; i < t->top.size; ++i) {
    const member* m = &t->top.items[i];
    if (key_is(m, "fields", 6) && m->value[0] == '{') {
      if (parse_object(m->value, m->value + m->value_len, &t->fields) < 0) return 1;
      memmove(&t->top.items[i], &t->top.items[i + 1], (t->top.size - i - 1) * sizeof(member));
      --t->top.size;
      break;
    }
  }
  const member* split = NULL;
  if (t->split_len > 0) {
    split = find_array(&t->fields, t->split, t->split_len);
    if (split == NULL) split = find_array(&t->top, t->split, t->split_len);
  }
  if (split == NULL) return emit_merged(t, NULL, NULL, emit, emit_context) == 0 ? 0 : 1;

  /* One record per array element. */
  const char* p = skip_ws(split->value + 1, split->value + split->value_len);
  const char* end = split->value + split->value_len - 1; /* the closing ']' */
  while (p < end) {
    member element = {NULL, 0, p, 0};
    const char* next = scan_value(p, end);
    if (next == NULL) break;
    element.value_len = (size_t)(next - p);
    if (emit_merged(t, split, &element, emit, emit_context) != 0) return 1;
    p = skip_ws(next, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  return 0;
}

static const logstream_plugin_v1_desc kDescriptor = {
    LOGSTREAM_PLUGIN_ABI_VERSION, "tag-split", tag_split_init, tag_split_process,
    tag_split_destroy,
};

const logstream_plugin_v1_desc* logstream_plugin_v1(void) { return &kDescriptor; }
