"""A minimal Koji client on Python's standard library, for driving the hub in tests.

It talks to the hub the way the upstream koji library does: XML-RPC over HTTPS with the
client certificate, sslLogin posted to <server>/ssllogin with the __starstar keyword struct,
Koji-Session-* headers and a call counter. It is independent of our C# code.
"""
import http.client
import json
import ssl
import sys
import urllib.parse
import xmlrpc.client


class Session:
    def __init__(self, server, ca=None, cert=None):
        self.url = urllib.parse.urlsplit(server)
        self.ctx = None
        if self.url.scheme == "https":
            self.ctx = ssl.create_default_context(cafile=ca)
            if cert:
                self.ctx.load_cert_chain(cert)
        self.session_id = None
        self.session_key = None
        self.callnum = 0
        self.last_headers = {}

    def _connection(self):
        if self.ctx is not None:
            return http.client.HTTPSConnection(self.url.hostname, self.url.port, context=self.ctx, timeout=60)
        return http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)

    def raw(self, body, path=None, headers=None, method="POST"):
        """POSTs bytes; returns (status, headers dict, body bytes)."""
        conn = self._connection()
        h = {"User-Agent": "koji/1", "Content-Type": "text/xml"}
        if self.session_id is not None:
            h["Koji-Session-Id"] = str(self.session_id)
            h["Koji-Session-Key"] = self.session_key
            h["Koji-Session-Callnum"] = str(self.callnum)
        h.update(headers or {})
        conn.request(method, path or self.url.path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self.last_headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, self.last_headers, data

    def call(self, method, *args, **kwargs):
        params = list(args)
        if kwargs:
            kw = dict(kwargs)
            kw["__starstar"] = True
            params.append(kw)
        body = xmlrpc.client.dumps(tuple(params), method, allow_none=True).encode("utf-8")
        path = self.url.path + ("/ssllogin" if method == "sslLogin" else "")
        status, headers, data = self.raw(body, path=path)
        if self.session_id is not None:
            self.callnum += 1
        if status != 200:
            raise RuntimeError("HTTP %d: %r" % (status, data[:200]))
        result, = xmlrpc.client.loads(data, use_builtin_types=True)[0]
        return result

    def ssl_login(self, **kwargs):
        kwargs.setdefault("proxyuser", None)
        sinfo = self.call("sslLogin", **kwargs)
        self._set_session(sinfo)
        return sinfo

    def login(self, user, password):
        sinfo = self.call("login", user, password)
        self._set_session(sinfo)
        return sinfo

    def _set_session(self, sinfo):
        self.session_id = sinfo["session-id"]
        self.session_key = sinfo["session-key"]
        self.callnum = 0

    def multicall(self, calls):
        """calls: list of (method, args, kwargs)."""
        entries = []
        for method, args, kwargs in calls:
            params = list(args)
            if kwargs:
                kw = dict(kwargs)
                kw["__starstar"] = True
                params.append(kw)
            entries.append({"methodName": method, "params": params})
        return self.call("multiCall", entries)


    def upload(self, path, name, localfile):
        """Fast-uploads a file in one raw chunk (protocol.md §9.1); returns the hub's chunk struct."""
        import zlib
        with open(localfile, "rb") as f:
            data = f.read()
        query = urllib.parse.urlencode({"filename": name, "filepath": path, "fileverify": "adler32",
                                        "offset": "0", "overwrite": "1"})
        status, headers, body = self.raw(data, path=self.url.path + "?" + query,
                                         headers={"Content-Type": "application/octet-stream"})
        if self.session_id is not None:
            self.callnum += 1
        if status != 200:
            raise RuntimeError("HTTP %d: %r" % (status, body[:200]))
        try:
            result, = xmlrpc.client.loads(body, use_builtin_types=True)[0]
        except xmlrpc.client.Fault as e:
            raise RuntimeError("upload of %s failed: %s" % (name, e.faultString))
        if result["hexdigest"] != "%08x" % (zlib.adler32(data) & 0xffffffff):
            raise RuntimeError("upload digest mismatch")
        return result


def host_session(server, ca, cert):
    """Logs a builder host in with its certificate and takes the exclusive session, as kojid does."""
    s = Session(server, ca, cert)
    s.ssl_login()
    s.call("exclusiveSession")
    return s


def task_dir(task_id):
    """A task's upload directory relative to work/ (tasks/<id % 10000>/<id>)."""
    return "tasks/%d/%d" % (task_id % 10000, task_id)


def call_or_fault(sess, method, *args, **kwargs):
    """The call's result, or its fault as {faultCode, faultString}."""
    try:
        return sess.call(method, *args, **kwargs)
    except xmlrpc.client.Fault as e:
        return fault_dict(e)


def fault_dict(exc):
    return {"faultCode": exc.faultCode, "faultString": exc.faultString}


def emit(value):
    """Prints a value as JSON for the C# side (bytes as latin-1 text)."""
    def default(o):
        if isinstance(o, (bytes, bytearray)):
            return o.decode("latin-1")
        return str(o)
    json.dump(value, sys.stdout, default=default, separators=(",", ":"))


class Builder:
    """A fake builder host: logged in with its host certificate on an exclusive session, as kojid.

    Results and faults are sent as the XML-RPC methodResponse documents kojid sends.
    """

    def __init__(self, server, ca, cert):
        self.session = Session(server, ca, cert)
        self.session.ssl_login()
        self.session.call("exclusiveSession")
        self.id = self.session.call("host.getID")

    def call(self, method, *args, **kwargs):
        return self.session.call(method, *args, **kwargs)

    def check_in(self, ready=True, load=0.0, maxjobs=None):
        data = {"methods": ["build", "buildArch", "buildSRPMFromSCM", "tagBuild"]}
        if maxjobs is not None:
            data["maxjobs"] = maxjobs
        return self.call("host.updateHost", load, ready, data=data)

    def subsession(self):
        """A Session for a subsession of this builder's session (what a forked task process uses)."""
        info = self.call("subsession")
        sub = Session.__new__(Session)
        sub.__dict__.update(self.session.__dict__)
        sub.session_id = info["session-id"]
        sub.session_key = info["session-key"]
        sub.callnum = 0
        return sub

    def take(self, task_id, weight=None):
        """Opens an assigned task (as kojid's takeTask); returns the task struct or None."""
        task = self.call("host.openTask", task_id)
        if task is not None and weight is not None:
            self.call("host.setTaskWeight", task_id, weight)
        return task

    def close(self, task_id, result=None):
        response = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
        return self.call("host.closeTask", task_id, response)

    def fail(self, task_id, code, message):
        response = xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True, allow_none=True)
        return self.call("host.failTask", task_id, response)


def wait_for(fn, timeout=30.0, interval=0.05):
    """Calls fn until it returns something truthy; returns that, or raises after timeout seconds."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError("condition not met within %.1f s" % timeout)
        time.sleep(interval)


def resume_builder(server, ca, cert, state):
    """A Builder for a session another script opened (state = builder_state(b) of that script)."""
    b = Builder.__new__(Builder)
    b.session = Session(server, ca, cert)
    b.session.session_id, b.session.session_key, b.session.callnum = state["id"], state["key"], state["callnum"]
    b.id = state["host_id"]
    return b


def builder_state(b):
    """What resume_builder needs to continue a builder's session in another script."""
    return {"id": b.session.session_id, "key": b.session.session_key, "callnum": b.session.callnum, "host_id": b.id}


def import_rpms(sess, paths, workdir):
    """Uploads and imports rpm files the hub does not have yet (pass sources first: they create the builds)."""
    for path in paths:
        name = path.rsplit("/", 1)[1]
        if sess.call("getRPM", name) is None:
            sess.upload(workdir, name, path)
            sess.call("importRPM", workdir, name)



# The name the repo tests use.
wait_until = wait_for
