#!/usr/bin/python3
"""Times Python's xmlrpc.client on the 200-build listTagged response the C# benchmarks use.

Usage:
  dotnet run -c Release --project benchmarks/KojiNet.Benchmarks -- --write-listtagged /tmp/listTagged.xml
  /usr/bin/python3 benchmarks/xmlrpc-python.py /tmp/listTagged.xml

Decode = xmlrpc.client.loads of the document; encode = xmlrpc.client.dumps of the decoded value
(methodresponse=True, allow_none=True; 64-bit ints as <i8> like Koji's marshaller). Also checks
that Python's encoding reproduces the C# bytes.
"""
import sys
import timeit
import xmlrpc.client as xc

_Stock = xc.Marshaller


class I8Marshaller(_Stock):
    def dump_long(self, value, write):
        if -2**31 <= value < 2**31:
            return _Stock.dump_long(self, value, write)
        write("<value><i8>%d</i8></value>\n" % value)

    dispatch = dict(_Stock.dispatch)
    dispatch[int] = dump_long


xc.Marshaller = I8Marshaller


def best(fn, number):
    runs = timeit.repeat(fn, number=number, repeat=7)
    return min(runs) / number


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/listTagged.xml"
    data = open(path, "rb").read()
    params, _ = xc.loads(data)
    value = params[0]
    again = xc.dumps((value,), methodresponse=True, allow_none=True).encode("utf-8")
    print("document: %d bytes, %d builds, identical to C# output: %s" % (len(data), len(value), again == data))
    dec = best(lambda: xc.loads(data), 20)
    enc = best(lambda: xc.dumps((value,), methodresponse=True, allow_none=True).encode("utf-8"), 20)
    print("python %s decode: %.3f ms  (%.1f MB/s)" % (sys.version.split()[0], dec * 1e3, len(data) / dec / 1e6))
    print("python %s encode: %.3f ms  (%.1f MB/s)" % (sys.version.split()[0], enc * 1e3, len(data) / enc / 1e6))


main()
