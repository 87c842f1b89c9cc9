using KojiNet;

return await KojiNetCommand.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
