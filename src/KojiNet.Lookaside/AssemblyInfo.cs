namespace KojiNet.Lookaside;
