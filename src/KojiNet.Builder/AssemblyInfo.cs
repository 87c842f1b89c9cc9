namespace KojiNet.Builder;
