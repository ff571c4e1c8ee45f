"""SQL text lives only in statement tables (STYLE.md): arrays or strings
whose name ends in _sql or starts with sql_, e.g.
    static const char *const auth_sql[AS__MAX] = { [AS_X] = "SELECT …", };
and in macros named *_SQL that such tables are built from (a fragment
several statements share, spelled once).
This check reads every C file of the programs and fails on any string
literal that looks like SQL outside such a declaration. It first checks
itself on a sample that must be flagged, so it cannot pass by not looking."""

import glob
import os
import re
import sys

SQL = re.compile(r'"[^"\n]*\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|'
                 r'REPLACE\s+INTO|CREATE\s+(TABLE|VIEW|FUNCTION|USER|DATABASE)|ALTER\s|'
                 r'DROP\s|GRANT\s|REVOKE\s|TRUNCATE\s|SET\s+[@\w]+\s*=|START\s+TRANSACTION|'
                 r'COMMIT\b|ROLLBACK\b)')
TABLE = re.compile(r'^\s*(static\s+)?const\s+char\s+(\*\s*const\s+)?'
                   r'(\w+_sql|sql_\w+)\s*\[')
MACRO = re.compile(r'^\s*#\s*define\s+\w+_SQL\b')


def strays(path, text):
    out = []
    inside = False
    macro = False
    for n, line in enumerate(text.splitlines(), 1):
        if not inside and TABLE.match(line):
            inside = True
        if not macro and MACRO.match(line):
            macro = True
        if not inside and not macro and SQL.search(line):
            out.append("%s:%d: SQL outside a statement table: %s" % (path, n, line.strip()))
        if inside and line.rstrip().endswith(";"):
            inside = False
        if macro and not line.rstrip().endswith("\\"):
            macro = False
    return out


def main():
    sample = ('static const char *const ok_sql[1] = {\n\t"SELECT 1",\n};\n'
              '#define WHERE_SQL \\\n\t" WHERE id IN (SELECT 1)"\n'
              '#define OTHER \\\n\t" AND id IN (SELECT 2)"\n'
              'static int f(void) { return q(db, "DELETE FROM user_account"); }\n')
    if len(strays("sample.c", sample)) != 2:
        print("self-check failed: the scanner does not see a stray statement")
        return 99
    top = os.environ.get("srcdir", ".")
    files = []
    for pat in ("fcgi/*.c", "handlers/*/*.c", "workers/*.c", "bench/*.c"):
        files += glob.glob(os.path.join(top, pat))
    if not files:
        print("no C files found under", top)
        return 99
    found = []
    for f in sorted(files):
        with open(f, encoding="utf-8") as fh:
            found += strays(os.path.relpath(f, top), fh.read())
    for line in found:
        print(line)
    print("%d files read, %d stray statements" % (len(files), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
