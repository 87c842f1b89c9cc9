namespace KojiNet.Client;
