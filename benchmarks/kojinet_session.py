"""What the benchmark scripts share: the koji client config `kojinet up` wrote, and an admin
session on the hub over TLS (Python's standard library only)."""
import configparser, os, ssl, xmlrpc.client


def config(data_dir):
    """The [kojinet] section of <data_dir>/koji.conf (server, cert, serverca, topurl...)."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(data_dir, "koji.conf"))
    return dict(parser["kojinet"])


def session(cfg):
    """An sslLogin session: call(method, *args) with increasing callnums, and multicall()."""
    ctx = ssl.create_default_context(cafile=cfg["serverca"])
    ctx.load_cert_chain(cfg["cert"])
    login = xmlrpc.client.ServerProxy(cfg["server"] + "/ssllogin", context=ctx, allow_none=True)
    info = login.sslLogin()
    url = "%s?session-id=%s&session-key=%s" % (cfg["server"], info["session-id"], info["session-key"])

    class Proxy:
        callnum = 0

        def call(self, method, *args):
            p = xmlrpc.client.ServerProxy("%s&callnum=%d" % (url, Proxy.callnum), context=ctx, allow_none=True)
            Proxy.callnum += 1
            return getattr(p, method)(*args)

        def multicall(self, calls, batch=250):
            """Runs (method, args) pairs with Koji's multiCall; raises on the first fault."""
            results = []
            for start in range(0, len(calls), batch):
                chunk = [{"methodName": m, "params": list(a)} for m, a in calls[start:start + batch]]
                for (m, a), r in zip(calls[start:start + batch], self.call("multiCall", chunk)):
                    if isinstance(r, dict) and "faultCode" in r:
                        raise RuntimeError("%s%r: %s" % (m, tuple(a), r["faultString"]))
                    results.append(r[0])
            return results
    return Proxy()
