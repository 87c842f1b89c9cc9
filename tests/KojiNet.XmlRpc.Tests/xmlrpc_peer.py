"""Python's xmlrpc.client as the independent peer of the C# codec tests.

Reads one JSON request on stdin, writes one JSON answer on stdout:
  {"op": "loads", "docs": [base64 XML...]}  -> [{"kind", "method", "canon" | "fault"} | {"error"}]
  {"op": "cases"}                           -> {name: {"xml": base64, "canon": ...}}
  {"op": "repr", "bits": [int64...]}        -> [repr(float)...]
"canon" is a type-tagged, order-preserving form of a value that the C# side compares against.
"""
import base64
import datetime
import json
import struct
import sys
import xmlrpc.client as xc


_StockMarshaller = xc.Marshaller


class I8Marshaller(_StockMarshaller):
    """Stock marshaller plus <i8> for 64-bit ints (Koji's extension; stock Python refuses them)."""

    def dump_long(self, value, write):
        if -2**31 <= value < 2**31:
            return _StockMarshaller.dump_long(self, value, write)
        if not -2**63 <= value < 2**63:
            raise OverflowError("int exceeds 64 bits")
        write("<value><i8>%d</i8></value>\n" % value)

    dispatch = dict(_StockMarshaller.dispatch)
    dispatch[int] = dump_long


xc.Marshaller = I8Marshaller


def canon(v):
    if v is None:
        return ["nil"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["double", repr(v)]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, xc.Binary):
        return ["b64", base64.b64encode(v.data).decode()]
    if isinstance(v, (bytes, bytearray)):
        return ["b64", base64.b64encode(v).decode()]
    if isinstance(v, xc.DateTime):
        return ["dt", v.value]
    if isinstance(v, (list, tuple)):
        return ["arr", [canon(x) for x in v]]
    if isinstance(v, dict):
        return ["struct", [[k, canon(x)] for k, x in v.items()]]
    raise TypeError("no canon for %r" % type(v))


def loads(doc):
    try:
        params, method = xc.loads(doc)
    except xc.Fault as f:
        return {"kind": "fault", "fault": [f.faultCode, f.faultString]}
    except Exception as e:  # noqa: BLE001 - reported to the C# side
        return {"error": "%s: %s" % (type(e).__name__, e)}
    return {"kind": "call" if method is not None else "response", "method": method,
            "canon": canon(list(params))}


def cases():
    doubles = [0.1, -0.0, 0.0, 1e300, 1e-300, 1.5, 1e16, 1e15, 123456789.123, 5e-324,
               1.7976931348623157e308, float("inf"), float("-inf"), float("nan"), 1e-5, 0.0001,
               2.5e-7, 1 / 3, -2.0, 1795216706.071478, 1e22, 12345678901234567.0]
    values = {
        "int": 42, "int_min": -2**31, "int_max": 2**31 - 1, "i8_low": 2**31, "i8_min": -2**63,
        "i8_max": 2**63 - 1, "i8_neg": -2**31 - 1, "true": True, "false": False, "nil": None,
        "empty_string": "", "special_chars": "&<>'\"&amp;", "unicode": "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e",
        "astral": "\U0001F600 \U0001D11E \U0010FFFD", "controlish": "\t tab\n nl \x7f \x85 \x9f \u2028 \ufffd \ue000 end",
        "crlf": "a\r\nb\rc", "spaces": "  lead and trail  ", "only_spaces": "   ", "newlines": "\n\n",
        "doubles": doubles, "empty_array": [], "empty_struct": {},
        "nested": {"a": [1, {"b": [[], {}]}], "c": {"d": None, "e": [None, [None]]}},
        "bytes": bytes(range(256)) * 2, "empty_bytes": b"", "short_bytes": b"\x00\xff",
        "datetime": datetime.datetime(2024, 7, 2, 16, 9, 15),
        "odd_keys": {"&<>": 1, "": 2, "\u00fc": 3, "a b": 4, "__starstar": True},
        "ints": list(range(-40, 1100, 7)),
        "mixed": [1, "1", 1.0, True, None, [1], {"1": 1}, 2**40, b"1"],
    }
    out = {}
    for name, v in values.items():
        xml = xc.dumps((v,), methodresponse=True, allow_none=True)
        out[name] = xml
    out["call_kwargs"] = xc.dumps(("f40-build", {"strict": True, "event": None, "__starstar": True}),
                                  "getTag", allow_none=True)
    out["call_no_params"] = xc.dumps((), "getAPIVersion", allow_none=True)
    out["call_all_values"] = xc.dumps(tuple(values.values()), "echo", allow_none=True)
    out["call_special_name"] = xc.dumps((1,), "host.getID", allow_none=True)
    out["fault"] = xc.dumps(xc.Fault(1002, "bad <auth> & 'stuff' \u00e9"), methodresponse=True, allow_none=True)
    out["fault_generic"] = xc.dumps(xc.Fault(1, "<class 'KeyError'>: 'x'"), methodresponse=True, allow_none=True)
    return {name: {"xml": base64.b64encode(xml.encode("utf-8")).decode(), "canon": loads(xml)}
            for name, xml in out.items()}


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "loads":
        res = [loads(base64.b64decode(d)) for d in req["docs"]]
    elif op == "cases":
        res = cases()
    elif op == "repr":
        res = [repr(struct.unpack("<d", struct.pack("<q", b))[0]) for b in req["bits"]]
    else:
        raise SystemExit("unknown op " + op)
    json.dump(res, sys.stdout)


main()
