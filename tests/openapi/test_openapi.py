#!/usr/bin/env python3
"""Checks that docs/openapi.yaml describes exactly the routes the handler
programs serve, with the request bodies their field tables accept.

Sources of truth, compared with the spec both ways:
  - each handler program's `--routes` output ("METHOD PATTERN" per line):
    the routes it serves;
  - the route and field tables of handlers/*/*.c in the source tree (the
    `static const struct field x_fields[...] = {...}` blocks and the
    `{ M_POST, "/api/v1/...", fn, flags, NF(x_fields), ... }` route rows):
    for each route its flags (session, CSRF) and its body fields.

It fails when a served route is not in the spec or the spec has an
operation no handler serves (path templates are compared by the position
of their {...} segments; different placeholder names are reported, not
failed); when an operation lacks a summary, a description or a 2xx
response; when a route's body fields differ from its requestBody schema
(names, required, additionalProperties: false, types, lengths), or a route
without fields documents some; when an operation's security does not
match the route's session/CSRF flags; when an error response is not
application/problem+json (a page for people, whose success is text/html,
may answer its errors as pages too); or when a ROUTE_FORM route's
requestBody does not list both HTML form types.

Standard library and PyYAML only. Exit status: 0 pass, 1 fail, 99 error
(automake's hard error), as `make check` expects.
"""

import argparse
import glob
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("error: PyYAML is missing (Debian: python3-yaml)", file=sys.stderr)
    sys.exit(99)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
COOKIE_NAME = "__Host-prospea_session"
CSRF_HEADER = "x-csrf-token"
PROBLEM_TYPE = "application/problem+json"
HTML_TYPE = "text/html"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# What JSON type each field check of fcgi/field.h accepts, and which of its
# min/max it applies as a length in code points ("len"), a byte length of
# which only max is stated ("maxlen"), or a numeric range ("range").
FIELD_CHECKS = {
    "field_text": ("string", "len"),
    "field_multiline": ("string", "len"),
    "field_password": ("string", "len"),
    "field_token": ("string", "len"),
    "field_digits": ("string", "len"),
    "field_email": ("string", "maxlen"),
    "field_enum": ("string", None),
    "field_id": ("string", None),
    "field_bool": ("boolean", None),
    "field_true": ("boolean", None),
    "field_int": ("integer", "range"),
}


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL - %s" % what)
        return cond

    def fail(self, what):
        return self.check(False, what)

    def ok(self, what):
        self.passed += 1
        print("ok - %s" % what)

    @staticmethod
    def note(what):
        print("note - %s" % what)


class HardError(Exception):
    """Something the test cannot work without (exit 99)."""


# -- the handlers ----------------------------------------------------------

def handler_routes(path):
    """[(METHOD, PATTERN)] printed by `path --routes`."""
    if not os.path.isabs(path) and not os.path.exists(path):
        top = os.environ.get("abs_top_builddir")
        if top:
            path = os.path.join(top, path)
    if not os.access(path, os.X_OK):
        raise HardError("%s: not an executable (build it first: make)" % path)
    try:
        p = subprocess.run([path, "--routes"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise HardError("%s --routes: %s" % (path, e)) from e
    if p.returncode != 0:
        raise HardError("%s --routes exited %d: %s" % (
            path, p.returncode, p.stderr.decode(errors="replace").strip()))
    routes = []
    for line in p.stdout.decode().splitlines():
        m = re.fullmatch(r"([A-Z]+) (/\S*)", line.strip())
        if not m:
            raise HardError("%s --routes: unexpected line %r" % (path, line))
        routes.append((m.group(1), m.group(2)))
    if not routes:
        raise HardError("%s --routes printed no route" % path)
    return routes


# -- the C tables ----------------------------------------------------------

def strip_comments(text):
    """C source without comments (string literals kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_top(s):
    """Splits s at commas outside parentheses and string literals."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c == '"':
            j = i + 1
            while j < len(s) and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            cur.append(s[i:j + 1])
            i = j + 1
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def rows(body):
    """The {...} initialisers at the top level of a table body, braces in
    string literals ("/x/{id}") included."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(body):
        c = body[i]
        if c == '"':
            j = i + 1
            while j < len(body) and body[j] != '"':
                j += 2 if body[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            if depth == 0:
                start = i + 1
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                out.append(body[start:i])
        i += 1
    return out


def expand(expr, defines, depth=8):
    """Object-like macro expansion, enough for flags and numbers."""
    for _ in range(depth):
        new = re.sub(r"\b[A-Za-z_]\w*\b",
                     lambda m: "(%s)" % defines[m.group(0)]
                     if m.group(0) in defines else m.group(0), expr)
        if new == expr:
            break
        expr = new
    return expr


def c_int(expr, defines):
    """The value of a simple integer expression, or None."""
    e = expand(expr, defines)
    if not re.fullmatch(r"[\s\d()+\-*/<>|]*", e) or not re.search(r"\d", e):
        return None
    try:
        return int(eval(e.replace("/", "//"), {"__builtins__": {}}))  # digits and operators only
    except (SyntaxError, ZeroDivisionError, TypeError, ValueError):
        return None


class SourceRoute:
    def __init__(self, where, flags, fields, table):
        self.where = where          # file name
        self.flags = flags          # set of ROUTE_* names
        self.fields = fields        # list of field dicts, or None
        self.table = table          # field table name, or None


def parse_tables(rel, text, report):
    """{name: [field dict]}: the field tables of one C file."""
    defines = {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(.+)$",
                         text, re.M):
        defines[m.group(1)] = m.group(2).strip()
    enums = {}
    for m in re.finditer(r"(?:static\s+)?const\s+char\s*\*\s*const\s+(\w+)\s*\[[^\]]*\]"
                         r"\s*=\s*\{(.*?)\}\s*;", text, re.S):
        enums[m.group(1)] = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    tables = {}
    for m in re.finditer(r"(?:static\s+)?const\s+struct\s+field\s+(\w+)\s*\[[^\]]*\]"
                         r"\s*=\s*\{(.*?)\n\s*\}\s*;", text, re.S):
        fields = []
        for row in rows(m.group(2)):
            a = split_top(row)
            if len(a) < 2 or not re.fullmatch(r'"[^"]*"', a[0]):
                report.fail("%s: cannot read a row of field table %s: {%s}"
                            % (rel, m.group(1), row.strip()))
                continue
            fl = expand(a[2], defines) if len(a) > 2 else "0"
            fields.append({
                "name": a[0][1:-1],
                "check": a[1],
                "required": "FIELD_REQ" in fl,
                "nullable": "FIELD_NULL" in fl,
                "min": c_int(a[3], defines) if len(a) > 3 else 0,
                "max": c_int(a[4], defines) if len(a) > 4 else 0,
                "enums": enums.get(a[5]) if len(a) > 5 and a[5] != "NULL" else None,
            })
        tables[m.group(1)] = fields
    return tables, defines


def parse_sources(srcdir, report):
    """{(METHOD, PATTERN): SourceRoute} from handlers/*/*.c under srcdir. A
    route row may name a field table of any file of its program's folder
    (a group keeps each table beside the handlers that read it)."""
    routes = {}
    files = sorted(glob.glob(os.path.join(srcdir, "handlers", "*", "*.c")))
    if not files:
        raise HardError("no handlers/*/*.c under %s (pass --srcdir)" % srcdir)
    texts, folder_tables = {}, {}
    for path in files:
        rel = os.path.relpath(path, srcdir)
        with open(path, encoding="utf-8") as f:
            texts[path] = strip_comments(f.read())
        tables, _ = parse_tables(rel, texts[path], report)
        folder_tables.setdefault(os.path.dirname(path), {}).update(tables)
    for path in files:
        rel = os.path.relpath(path, srcdir)
        text = texts[path]
        _, defines = parse_tables(rel, text, Report())
        tables = folder_tables[os.path.dirname(path)]
        for m in re.finditer(r"const\s+struct\s+route\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\s*\}\s*;",
                             text, re.S):
            for row in rows(m.group(2)):
                a = split_top(row)
                if not a or a[0] in ("0", "NULL") or len(a) < 4:
                    continue            # the { 0 } sentinel
                mm = re.fullmatch(r"M_([A-Z]+)", a[0])
                pm = re.fullmatch(r'"([^"]*)"', a[1])
                if not mm or not pm:
                    report.fail("%s: cannot read route row {%s}" % (rel, row.strip()))
                    continue
                flags = set(re.findall(r"\bROUTE_[A-Z_]+\b", expand(a[3], defines)))
                rest = a[4] if len(a) > 4 else "NULL"
                table = None
                nf = re.fullmatch(r"NF\(\s*(\w+)\s*\)", rest)
                if nf:
                    table = nf.group(1)
                elif re.fullmatch(r"\w+", rest) and rest not in ("NULL", "0"):
                    table = rest
                fields = None
                if table is not None:
                    if table not in tables:
                        report.fail("%s: route %s %s names field table %s, which was "
                                    "not found as `static const struct field %s[...] = {...};`"
                                    % (rel, mm.group(1), pm.group(1), table, table))
                        continue
                    fields = tables[table]
                key = (mm.group(1), pm.group(1))
                if key in routes:
                    report.fail("route %s %s is in two tables: %s and %s"
                                % (key[0], key[1], routes[key].where, rel))
                routes[key] = SourceRoute(rel, flags, fields, table)
    return routes


# -- the spec --------------------------------------------------------------

def load_spec(path):
    try:
        with open(path, encoding="utf-8") as f:
            spec = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise HardError("%s: %s" % (path, e)) from e
    if not isinstance(spec, dict):
        raise HardError("%s: not a YAML mapping" % path)
    return spec


def pointer(spec, ref):
    """The node at local reference ref ("#/a/b"), or raises KeyError."""
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(ref)
    return node


def deref(spec, node):
    """Follows $ref chains (OpenAPI 3.1 allows description/summary beside $ref)."""
    for _ in range(32):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        node = pointer(spec, node["$ref"])
    raise KeyError("$ref loop")


def schema_of(spec, node):
    """A schema with $ref followed and allOf parts merged (shallowly)."""
    node = deref(spec, node)
    if not isinstance(node, dict):
        return {}
    out = {k: v for k, v in node.items() if k != "allOf"}
    for part in node.get("allOf", []):
        sub = schema_of(spec, part)
        for k, v in sub.items():
            if k == "properties":
                out.setdefault("properties", {}).update(v)
            elif k == "required":
                out["required"] = list(out.get("required", [])) + list(v)
            else:
                out.setdefault(k, v)
    return out


def check_refs(spec, report):
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    pointer(spec, ref)
                except (KeyError, IndexError, ValueError):
                    bad.append("%s: $ref %s does not resolve" % (where, ref))
            for k, v in node.items():
                walk(v, where + "/" + str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))

    walk(spec, "#")
    for b in bad:
        report.fail(b)
    if not bad:
        report.ok("every $ref of the spec resolves")


def template_key(path):
    """Path with each {name} replaced by {}: templates compare by position."""
    return re.sub(r"\{[^/{}]*\}", "{}", path)


def placeholders(path):
    return re.findall(r"\{([^/{}]*)\}", path)


# -- the checks ------------------------------------------------------------

def check_security(spec, report, op, label, flags, schemes):
    cookie, csrf = schemes
    reqs = op.get("security", spec.get("security", []))
    if not isinstance(reqs, list):
        report.fail("%s: security is not a list" % label)
        return
    names = [set(r.keys()) for r in reqs if isinstance(r, dict)]
    needs_session = "ROUTE_SESSION" in flags or "ROUTE_ADMIN" in flags
    needs_csrf = "ROUTE_CSRF" in flags
    optional = "ROUTE_SESSION_OPT" in flags and not needs_session
    if needs_session:
        ok = bool(names) and all(cookie in n for n in names)
        report.check(ok, "%s: the route needs a session: every security requirement "
                     "must include the `%s` cookie scheme (%s)" % (label, COOKIE_NAME, cookie))
        ok = not names or all((csrf in n) == needs_csrf for n in names)
        report.check(ok, "%s: the route %s X-CSRF-Token: its security must %sinclude the "
                     "header scheme (%s)" % (label, "needs" if needs_csrf else "does not check",
                                             "" if needs_csrf else "not ", csrf))
    elif optional:
        report.check(set() in names and any(cookie in n for n in names),
                     "%s: the session is optional: security must list {} and the cookie "
                     "scheme" % label)
    else:
        report.check(all(not (n & {cookie, csrf}) for n in names),
                     "%s: the route is public: its security must not require the session "
                     "cookie or X-CSRF-Token (found %s)" % (label, reqs))


def check_field(spec, report, label, f, prop):
    s = schema_of(spec, prop)
    kind = FIELD_CHECKS.get(f["check"])
    where = "%s: field %s (%s)" % (label, f["name"], f["check"])
    if kind is None:
        Report.note("%s: unknown check function, type and limits not compared" % where)
        return
    jtype, limits = kind
    want = {jtype} | ({"null"} if f["nullable"] else set())
    have = s.get("type")
    have = set(have) if isinstance(have, list) else {have} if have else set()
    report.check(have == want, "%s: schema type %s, the table accepts %s"
                 % (where, sorted(have) or "(none)", sorted(want)))
    lo, hi = f["min"], f["max"]
    if limits == "len":
        if lo is None or hi is None:
            Report.note("%s: min/max not integer constants, lengths not compared" % where)
        else:
            report.check(s.get("minLength", 0) == (lo if lo > 0 else 0),
                         "%s: minLength %s, the table says %s" % (where, s.get("minLength"), lo))
            report.check(s.get("maxLength") == (hi if hi > 0 else None),
                         "%s: maxLength %s, the table says %s" % (where, s.get("maxLength"), hi))
    elif limits == "maxlen" and hi:
        report.check(s.get("maxLength") == hi,
                     "%s: maxLength %s, the table says %s" % (where, s.get("maxLength"), hi))
    elif limits == "range" and lo is not None and hi is not None:
        report.check(s.get("minimum") == lo and s.get("maximum") == hi,
                     "%s: minimum/maximum %s/%s, the table says %s/%s"
                     % (where, s.get("minimum"), s.get("maximum"), lo, hi))
    if f["check"] == "field_email":
        report.check(s.get("format") == "email", "%s: format should be email" % where)
    if f["check"] == "field_true":
        report.check(s.get("const") is True or s.get("enum") == [True],
                     "%s: must be `const: true` (false is must_be_true)" % where)
    if f["check"] == "field_enum" and f["enums"] is not None:
        # null in the enum of a FIELD_NULL field: the type's "null" says it too
        report.check(sorted(v for v in s.get("enum") or [] if v is not None) ==
                     sorted(f["enums"]),
                     "%s: enum %s, the table allows %s" % (where, s.get("enum"), f["enums"]))


def check_body(spec, report, op, label, method, src):
    body = op.get("requestBody")
    if method in ("GET", "HEAD"):
        report.check(body is None, "%s: a GET route reads no body: no requestBody" % label)
        return
    body = deref(spec, body) if body is not None else None
    schema = None
    if "ROUTE_FORM" in src.flags:
        # A form route (route.h) reads an HTML form body, no field table.
        content = (body or {}).get("content") or {}
        report.check(set(FORM_TYPES) <= set(content),
                     "%s: a ROUTE_FORM route takes %s: its requestBody must list both"
                     % (label, " and ".join(FORM_TYPES)))
        return
    if body is not None:
        media = (body.get("content") or {}).get("application/json")
        if not report.check(isinstance(media, dict) and "schema" in media,
                            "%s: requestBody must have an application/json schema" % label):
            return
        schema = schema_of(spec, media["schema"])
    if src.fields is None:
        props = sorted((schema or {}).get("properties") or {})
        report.check(not props, "%s: the route has no field table, so any key is "
                     "unknown_field; the spec documents %s" % (label, props))
        return
    if not report.check(schema is not None, "%s: the route has field table %s (%s) but the "
                        "spec has no requestBody" % (label, src.table,
                                                     ", ".join(f["name"] for f in src.fields))):
        return
    want = [f["name"] for f in src.fields]
    have = list((schema.get("properties") or {}).keys())
    report.check(sorted(have) == sorted(want),
                 "%s: requestBody properties %s, field table %s has %s (missing %s, extra %s)"
                 % (label, sorted(have), src.table, sorted(want),
                    sorted(set(want) - set(have)), sorted(set(have) - set(want))))
    req_want = sorted(f["name"] for f in src.fields if f["required"])
    report.check(sorted(schema.get("required") or []) == req_want,
                 "%s: required %s, field table %s requires %s"
                 % (label, sorted(schema.get("required") or []), src.table, req_want))
    report.check(schema.get("type") == "object" and schema.get("additionalProperties") is False,
                 "%s: the body schema must be `type: object` with `additionalProperties: false` "
                 "(unknown keys are refused)" % label)
    if req_want:
        report.check(body.get("required") is True,
                     "%s: the table has required fields: requestBody.required must be true" % label)
    props = schema.get("properties") or {}
    for f in src.fields:
        if f["name"] in props:
            check_field(spec, report, label, f, props[f["name"]])


def check_operation(spec, report, path, item, method, op, src, schemes):
    label = "%s %s" % (method, path)
    for k in ("summary", "description"):
        report.check(isinstance(op.get(k), str) and op[k].strip(),
                     "%s: no %s" % (label, k))
    responses = op.get("responses")
    if not report.check(isinstance(responses, dict) and responses,
                        "%s: no response documented" % label):
        return
    codes = [str(c) for c in responses]
    report.check(any(re.fullmatch(r"2(\d\d|XX)", c) for c in codes),
                 "%s: no 2xx response documented (has %s)" % (label, ", ".join(codes)))
    # A page for people (its success is text/html) may answer errors as pages.
    page = False
    for code, r in responses.items():
        try:
            r = deref(spec, r)
        except KeyError:
            continue
        if str(code).startswith("2") and isinstance(r, dict) and \
                HTML_TYPE in (r.get("content") or {}):
            page = True
    for code, r in responses.items():
        code = str(code)
        report.check(re.fullmatch(r"[1-5](\d\d|XX)|default", code) is not None,
                     "%s: %r is not a status code" % (label, code))
        try:
            r = deref(spec, r)
        except KeyError:
            continue                    # reported by check_refs
        report.check(isinstance(r, dict) and isinstance(r.get("description"), str),
                     "%s %s: a response needs a description" % (label, code))
        content = r.get("content") if isinstance(r, dict) else None
        if code[0] in "45" and content:
            report.check((PROBLEM_TYPE in content or (page and HTML_TYPE in content))
                         and "application/json" not in content,
                         "%s %s: errors are %s%s (has %s)"
                         % (label, code, PROBLEM_TYPE, ", or text/html for a page" if page
                            else "", ", ".join(content)))

    params = []
    for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
        try:
            params.append(deref(spec, p))
        except KeyError:
            pass
    declared = {p.get("name") for p in params
                if isinstance(p, dict) and p.get("in") == "path" and p.get("required") is True}
    for name in placeholders(path):
        report.check(name in declared, "%s: path parameter {%s} is not declared "
                     "(in: path, required: true)" % (label, name))

    check_security(spec, report, op, label, src.flags, schemes)
    check_body(spec, report, op, label, method, src)


def security_schemes(spec, report):
    schemes = ((spec.get("components") or {}).get("securitySchemes") or {})
    cookie = csrf = None
    for name, s in schemes.items():
        s = deref(spec, s)
        if s.get("type") == "apiKey" and s.get("in") == "cookie" and s.get("name") == COOKIE_NAME:
            cookie = name
        if (s.get("type") == "apiKey" and s.get("in") == "header"
                and str(s.get("name", "")).lower() == CSRF_HEADER):
            csrf = name
    report.check(cookie is not None, "components.securitySchemes: no apiKey scheme in cookie "
                 "%s" % COOKIE_NAME)
    report.check(csrf is not None, "components.securitySchemes: no apiKey scheme in header "
                 "X-CSRF-Token")
    return cookie, csrf


def run(args):
    report = Report()
    spec = load_spec(args.spec)

    report.check(str(spec.get("openapi", "")).startswith("3.1."),
                 "openapi must be 3.1.x (is %r)" % spec.get("openapi"))
    info = spec.get("info") or {}
    report.check(bool(info.get("title")) and bool(info.get("version")),
                 "info needs title and version")
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        raise HardError("%s: no paths" % args.spec)
    check_refs(spec, report)
    schemes = security_schemes(spec, report)

    # What the programs serve.
    served = {}
    for h in args.handler:
        for method, pattern in handler_routes(h):
            if (method, pattern) in served:
                report.fail("%s %s is printed by two programs: %s and %s"
                            % (method, pattern, served[(method, pattern)], h))
            served[(method, pattern)] = h
    report.ok("%d routes from %d programs" % (len(served), len(args.handler)))

    # What their tables say about each route.
    sources = parse_sources(args.srcdir, report)
    for key in sorted(served):
        report.check(key in sources, "%s %s is served by %s but no route row for it was "
                     "found in %s/handlers/*/*.c" % (key[0], key[1], served[key], args.srcdir))
    for key in sorted(set(sources) - set(served)):
        report.fail("%s %s is in %s but no program given with --handler prints it "
                    "(add the program to tests/openapi/openapi.test)"
                    % (key[0], key[1], sources[key].where))

    # What the spec documents.
    documented = {}
    by_template = {}
    for path, item in paths.items():
        if not report.check(isinstance(path, str) and path.startswith("/"),
                            "path %r must start with /" % (path,)):
            continue
        tk = template_key(path)
        if tk in by_template:
            report.fail("paths %s and %s differ only by placeholder names" % (by_template[tk], path))
        by_template[tk] = path
        item = deref(spec, item) or {}
        for method in HTTP_METHODS:
            if method in item:
                documented[(method.upper(), tk)] = (path, item, item[method])

    served_by_tk = {}
    for method, pattern in served:
        served_by_tk[(method, template_key(pattern))] = pattern
    for (method, tk), pattern in sorted(served_by_tk.items()):
        if (method, tk) not in documented:
            report.fail("%s %s is served (%s) but not in the spec"
                        % (method, pattern, served[(method, pattern)]))
            continue
        path, item, op = documented[(method, tk)]
        if placeholders(path) != placeholders(pattern):
            Report.note("%s %s is documented as %s: placeholder names differ, matched by "
                        "position" % (method, pattern, path))
        src = sources.get((method, pattern))
        if src is None:
            continue                    # reported above
        before = report.failed
        check_operation(spec, report, path, item, method, op, src, schemes)
        if report.failed == before:
            what = ", ".join(sorted(src.flags)) or "public"
            if src.fields:
                what += "; fields " + ", ".join(f["name"] for f in src.fields)
            report.ok("%s %s: as served (%s)" % (method, pattern, what))
    for (method, tk), (path, _, _) in sorted(documented.items()):
        if (method, tk) in served_by_tk:
            continue
        if method == "HEAD" and ("GET", tk) in served_by_tk:
            continue                    # the router answers HEAD for every GET route
        report.fail("%s %s is in the spec but no program serves it" % (method, path))

    print("%d passed, %d failed" % (report.passed, report.failed))
    return 0 if report.failed == 0 else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", default=os.path.join(here, "..", "..", "docs", "openapi.yaml"),
                    help="the OpenAPI document (default: docs/openapi.yaml of this tree)")
    ap.add_argument("--handler", action="append", required=True,
                    help="a handler program (repeat); relative to the current directory "
                         "or $abs_top_builddir")
    ap.add_argument("--srcdir", default=os.path.join(here, "..", ".."),
                    help="top of the source tree, for handlers/*/*.c (default: this tree)")
    args = ap.parse_args()
    try:
        return run(args)
    except HardError as e:
        print("error: %s" % e, file=sys.stderr)
        return 99


if __name__ == "__main__":
    sys.exit(main())
