"""A small FastCGI client (the wire protocol of the FastCGI 1.0
specification, responder role) for the end-to-end tests that talk to a
handler's unix socket directly, below nginx: they send parameters and
bodies that nginx would never produce (duplicate or missing CGI
variables, a CONTENT_LENGTH that lies) to check that the handler refuses
them and keeps serving.

Only well-formed records are sent: Debian's libfcgi aborts on malformed
records (a known limitation of that library, not of the handlers), so the
hostility is all in the parameters and the body.
"""

import prospea_test
import os
import socket
import struct

VERSION = 1
BEGIN_REQUEST = 1
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
RESPONDER = 1
REQUEST_ID = 1
MAX_CONTENT = 65535


def _record(rtype, content=b"", request_id=REQUEST_ID):
    """One record, padded to a multiple of 8 bytes as the spec recommends."""
    pad = -len(content) % 8
    return struct.pack(">BBHHBB", VERSION, rtype, request_id, len(content),
                       pad, 0) + content + b"\0" * pad


def _records(rtype, data):
    """data cut into records of at most 65535 bytes (no empty one)."""
    return b"".join(_record(rtype, data[i:i + MAX_CONTENT])
                    for i in range(0, len(data), MAX_CONTENT))


def _length(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    """Name-value pairs (FastCGI spec section 3.4), in order, duplicates kept."""
    out = b""
    for name, value in params:
        n = name.encode() if isinstance(name, str) else name
        v = value.encode() if isinstance(value, str) else value
        out += _length(len(n)) + _length(len(v)) + n + v
    return out


class Response(prospea_test.Response):
    """What the handler wrote: CGI status, headers (list of pairs), body;
    header(), header_all() and json as for an HTTP answer."""

    def __init__(self, stdout, stderr, app_status, proto_status):
        self.raw = stdout
        self.stderr = stderr
        self.app_status = app_status
        self.proto_status = proto_status
        head, _, body = stdout.partition(b"\r\n\r\n")
        headers = []
        status = 200
        for line in head.split(b"\r\n"):
            if not line:
                continue
            k, _, v = line.decode("latin-1").partition(":")
            headers.append((k.strip(), v.strip()))
            if k.strip().lower() == "status":
                status = int(v.split()[0])
        super().__init__(status, headers, body)

    def __repr__(self):
        return "<fcgi %d %r>" % (self.status, self.raw[:300])


def base_params(method="GET", path="/", query="", body=b"",
                content_type="application/json", remote_addr="192.0.2.10"):
    """The parameters nginx sends (conf/nginx/prospea-fastcgi.conf), as a
    list the caller may edit. REMOTE_ADDR defaults to a documentation
    address so that nothing a test does here counts against 127.0.0.1."""
    p = [("REQUEST_METHOD", method), ("DOCUMENT_URI", path),
         ("REQUEST_URI", path + ("?" + query if query else "")),
         ("QUERY_STRING", query), ("SERVER_PROTOCOL", "HTTP/1.1"),
         ("REQUEST_SCHEME", "http"), ("REMOTE_ADDR", remote_addr),
         ("SERVER_NAME", "127.0.0.1"), ("HTTP_PROXY", "")]
    if body:
        p += [("CONTENT_TYPE", content_type), ("CONTENT_LENGTH", str(len(body)))]
    else:
        p += [("CONTENT_TYPE", ""), ("CONTENT_LENGTH", "")]
    return p


def request(sock_path, params, stdin=b"", timeout=10):
    """Sends one request (BEGIN_REQUEST, PARAMS, STDIN then its end) on a
    new connection and reads until END_REQUEST or the end of the stream.
    Returns a Response; raises socket.timeout if the handler hangs."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        msg = _record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))
        msg += _records(PARAMS, encode_params(params)) + _record(PARAMS)
        msg += _records(STDIN, stdin) + _record(STDIN)
        try:
            s.sendall(msg)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the handler answered without reading everything
        return _read(s)
    finally:
        s.close()


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _read(s):
    out, err = b"", b""
    app_status = proto_status = None
    while True:
        try:
            hdr = _recv_exact(s, 8)
        except ConnectionResetError:
            hdr = None
        if hdr is None:
            break
        _, rtype, _, clen, pad, _ = struct.unpack(">BBHHBB", hdr)
        content = _recv_exact(s, clen + pad)
        if content is None:
            break
        content = content[:clen]
        if rtype == STDOUT:
            out += content
        elif rtype == STDERR:
            err += content
        elif rtype == END_REQUEST:
            app_status, proto_status = struct.unpack(">IB3x", content)
            break
    return Response(out, err, app_status, proto_status)


def socket_path(var, group):
    return os.path.join(var, "run", "%s.sock" % group)
