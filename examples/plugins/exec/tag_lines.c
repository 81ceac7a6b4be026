/* examples/plugins/exec/tag_lines.c -- An example exec plugin: reads NDJSON records on stdin and
 * writes each back with "plugin":"exec-example" added to its "fields" (or to the top level when
 * it has none); a record whose "message" contains DROPME is dropped, and one whose "message"
 * contains TWICE is written twice.
 *
 * It shows the three habits of a good exec plugin: read with read(2) in large blocks, write
 * what is ready after each read rather than when a buffer fills (so that `logfilter -f` is not
 * held back), and exit 0 at end of input after writing everything. A line that is not a JSON
 * object is passed through unchanged: the host validates everything a plugin writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char kTag[] = "\"plugin\":\"exec-example\"";

static char* out_buf;
static size_t out_size;
static size_t out_capacity;

static void die(const char* what) {
  fprintf(stderr, "plugin_example_exec: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void out_append(const char* data, size_t len) {
  if (out_size + len > out_capacity) {
    size_t capacity = out_capacity ? out_capacity : 65536;
    while (capacity < out_size + len) capacity *= 2;
    char* p = realloc(out_buf, capacity);
    if (p == NULL) die("out of memory");
    out_buf = p;
    out_capacity = capacity;
  }
  memcpy(out_buf + out_size, data, len);
  out_size += len;
}

static void out_flush(void) {
  size_t done = 0;
  while (done < out_size) {
    ssize_t n = write(STDOUT_FILENO, out_buf + done, out_size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write standard output");
    }
    done += (size_t)n;
  }
  out_size = 0;
}

/* ---- Just enough JSON to find the top-level "message" string ---- */

static const char* skip_ws(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
  return p;
}

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
      if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
      ++p;
    }
    return NULL;
  }
  const char* start = p;
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ') ++p;
  return p > start ? p : NULL;
}

/* Scans the top level of the object [p, end): sets *message to the "message" string (quotes
 * included) and *fields to the "fields" object, when they are there. Returns 0 if the line is
 * not a JSON object as far as this scanner can tell. */
static int scan_record(const char* p, const char* end, const char** message, size_t* message_len,
                       const char** fields, size_t* fields_len) {
  p = skip_ws(p, end);
  if (p >= end || *p != '{') return 0;
  p = skip_ws(p + 1, end);
  while (p < end && *p == '"') {
    const char* key = p;
    p = scan_string(p, end);
    if (p == NULL) return 0;
    size_t key_len = (size_t)(p - key);
    p = skip_ws(p, end);
    if (p >= end || *p != ':') return 0;
    p = skip_ws(p + 1, end);
    const char* v = p;
    p = scan_value(p, end);
    if (p == NULL) return 0;
    if (key_len == 9 && memcmp(key, "\"message\"", 9) == 0 && *v == '"') {
      *message = v;
      *message_len = (size_t)(p - v);
    } else if (key_len == 8 && memcmp(key, "\"fields\"", 8) == 0 && *v == '{') {
      *fields = v;
      *fields_len = (size_t)(p - v);
    }
    p = skip_ws(p, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  p = skip_ws(p, end);
  return p < end && *p == '}';
}

static int contains(const char* hay, size_t hay_len, const char* needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= hay_len; ++i) {
    if (memcmp(hay + i, needle, n) == 0) return 1;
  }
  return 0;
}

/* ---- One line in, zero, one or two lines out ---- */

static void process_line(const char* line, size_t len) {
  if (len > 0 && line[len - 1] == '\r') --len;
  if (len == 0) return; /* blank lines carry no record */
  const char* message = NULL;
  const char* fields = NULL;
  size_t message_len = 0, fields_len = 0;
  if (!scan_record(line, line + len, &message, &message_len, &fields, &fields_len)) {
    out_append(line, len);
    out_append("\n", 1);
    return;
  }
  int copies = 1;
  if (message != NULL) {
    if (contains(message, message_len, "DROPME")) copies = 0;
    else if (contains(message, message_len, "TWICE")) copies = 2;
  }
  /* The tag goes into "fields" (canonical records have it), else into the top level. */
  const char* open = fields != NULL ? fields : skip_ws(line, line + len);
  const char* close = fields != NULL ? fields + fields_len - 1 : line + len - 1;
  while (close > open && *close != '}') --close; /* trailing whitespace */
  int empty = skip_ws(open + 1, close) == close;
  for (int i = 0; i < copies; ++i) {
    out_append(line, (size_t)(close - line));
    if (!empty) out_append(",", 1);
    out_append(kTag, sizeof(kTag) - 1);
    out_append(close, (size_t)(line + len - close));
    out_append("\n", 1);
  }
}

int main(void) {
  size_t capacity = 1 << 16;
  size_t size = 0; /* bytes in buf, the start of an unfinished line */
  char* buf = malloc(capacity);
  if (buf == NULL) die("out of memory");
  for (;;) {
    if (size == capacity) {
      capacity *= 2;
      char* p = realloc(buf, capacity);
      if (p == NULL) die("out of memory");
      buf = p;
    }
    ssize_t n = read(STDIN_FILENO, buf + size, capacity - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read standard input");
    }
    if (n == 0) break;
    size += (size_t)n;
    char* start = buf;
    char* end = buf + size;
    char* nl;
    while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
      process_line(start, (size_t)(nl - start));
      start = nl + 1;
    }
    size = (size_t)(end - start);
    memmove(buf, start, size);
    out_flush(); /* hand over what is ready before blocking in read() again */
  }
  if (size > 0) process_line(buf, size); /* a last line without a newline */
  out_flush();
  free(buf);
  free(out_buf);
  return 0;
}
