using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api;

/// <summary>
/// Turns whatever a call threw into the fault the client gets: Koji faults as they are; any
/// other exception as code 1 with <c>&lt;class 'Name'&gt;: message</c> (upstream's form for
/// non-Koji exceptions), or with the full exception text when <c>KojiDebug</c> is on.
/// </summary>
internal static class FaultMapper
{
    public static XmlRpcFaultException ToFault(Exception e, bool debug) => e switch
    {
        XmlRpcFaultException fault => fault,
        XmlRpcFormatException format => new XmlRpcFaultException(KojiFaultCode.Unexpected, $"<class 'xml.parsers.expat.ExpatError'>: {format.Message}"),
        _ => new XmlRpcFaultException(KojiFaultCode.Unexpected, debug ? e.ToString() : $"<class '{e.GetType().Name}'>: {e.Message}"),
    };
}
