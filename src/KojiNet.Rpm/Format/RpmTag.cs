namespace KojiNet.Rpm.Format;

/// <summary>Tag numbers of the main header (rpm's <c>RPMTAG_*</c> numbering) used by Koji.NET.</summary>
public static class RpmTag
{
    /// <summary>Region tag of legacy headers.</summary>
    public const int HeaderImage = 61;

    /// <summary>Region tag of the signature header.</summary>
    public const int HeaderSignatures = 62;

    /// <summary>Region tag of the main header's immutable region.</summary>
    public const int HeaderImmutable = 63;

    /// <summary>Legacy region marker.</summary>
    public const int HeaderRegions = 64;

    /// <summary>Locales of I18NSTRING entries (STRING_ARRAY).</summary>
    public const int HeaderI18NTable = 100;

    /// <summary>Signature SIZE as merged into the main header.</summary>
    public const int SigSize = 257;

    /// <summary>Signature PGP as merged into the main header.</summary>
    public const int SigPgp = 259;

    /// <summary>Signature MD5 as merged into the main header.</summary>
    public const int SigMd5 = 261;

    /// <summary>Signature GPG as merged into the main header.</summary>
    public const int SigGpg = 262;

    /// <summary>Public keys (STRING_ARRAY).</summary>
    public const int PubKeys = 266;

    /// <summary>DSA/ECDSA header signature.</summary>
    public const int DsaHeader = 267;

    /// <summary>RSA/EdDSA header signature.</summary>
    public const int RsaHeader = 268;

    /// <summary>SHA-1 of the main header.</summary>
    public const int Sha1Header = 269;

    /// <summary>64-bit header plus payload size.</summary>
    public const int LongSigSize = 270;

    /// <summary>64-bit uncompressed payload size.</summary>
    public const int LongArchiveSize = 271;

    /// <summary>SHA-256 of the main header.</summary>
    public const int Sha256Header = 273;

    /// <summary>Package name (STRING).</summary>
    public const int Name = 1000;

    /// <summary>Version (STRING).</summary>
    public const int Version = 1001;

    /// <summary>Release (STRING).</summary>
    public const int Release = 1002;

    /// <summary>Epoch (INT32), absent when unset.</summary>
    public const int Epoch = 1003;

    /// <summary>Summary (I18NSTRING).</summary>
    public const int Summary = 1004;

    /// <summary>Description (I18NSTRING).</summary>
    public const int Description = 1005;

    /// <summary>Build time, seconds since the epoch (INT32).</summary>
    public const int BuildTime = 1006;

    /// <summary>Build host (STRING).</summary>
    public const int BuildHost = 1007;

    /// <summary>Installed size (INT32).</summary>
    public const int Size = 1009;

    /// <summary>Distribution (STRING).</summary>
    public const int Distribution = 1010;

    /// <summary>Vendor (STRING).</summary>
    public const int Vendor = 1011;

    /// <summary>License (STRING).</summary>
    public const int License = 1014;

    /// <summary>Packager (STRING).</summary>
    public const int Packager = 1015;

    /// <summary>Group (I18NSTRING).</summary>
    public const int Group = 1016;

    /// <summary>Source file names of a source package (STRING_ARRAY).</summary>
    public const int Source = 1018;

    /// <summary>Patch file names of a source package (STRING_ARRAY).</summary>
    public const int Patch = 1019;

    /// <summary>Upstream URL (STRING).</summary>
    public const int Url = 1020;

    /// <summary>Operating system (STRING).</summary>
    public const int Os = 1021;

    /// <summary>Architecture (STRING).</summary>
    public const int Arch = 1022;

    /// <summary>%pre scriptlet.</summary>
    public const int PreIn = 1023;

    /// <summary>%post scriptlet.</summary>
    public const int PostIn = 1024;

    /// <summary>%preun scriptlet.</summary>
    public const int PreUn = 1025;

    /// <summary>%postun scriptlet.</summary>
    public const int PostUn = 1026;

    /// <summary>Full file paths of old packages (STRING_ARRAY).</summary>
    public const int OldFileNames = 1027;

    /// <summary>File sizes (INT32 array).</summary>
    public const int FileSizes = 1028;

    /// <summary>File states (CHAR array, installed headers only).</summary>
    public const int FileStates = 1029;

    /// <summary>File modes (INT16 array).</summary>
    public const int FileModes = 1030;

    /// <summary>File device numbers (INT16 array).</summary>
    public const int FileRDevs = 1033;

    /// <summary>File modification times (INT32 array).</summary>
    public const int FileMTimes = 1034;

    /// <summary>File digests as hex (STRING_ARRAY); empty for non-regular files.</summary>
    public const int FileDigests = 1035;

    /// <summary>Symlink targets (STRING_ARRAY); empty for non-links.</summary>
    public const int FileLinkTos = 1036;

    /// <summary>File flags (INT32 array), see RpmFileFlags.</summary>
    public const int FileFlags = 1037;

    /// <summary>File owners (STRING_ARRAY).</summary>
    public const int FileUserName = 1039;

    /// <summary>File groups (STRING_ARRAY).</summary>
    public const int FileGroupName = 1040;

    /// <summary>Source package file name (STRING); absent in source packages.</summary>
    public const int SourceRpm = 1044;

    /// <summary>Verify flags (INT32 array).</summary>
    public const int FileVerifyFlags = 1045;

    /// <summary>Uncompressed payload size (INT32).</summary>
    public const int ArchiveSize = 1046;

    /// <summary>Provides names (STRING_ARRAY).</summary>
    public const int ProvideName = 1047;

    /// <summary>Requires flags (INT32 array).</summary>
    public const int RequireFlags = 1048;

    /// <summary>Requires names (STRING_ARRAY).</summary>
    public const int RequireName = 1049;

    /// <summary>Requires versions (STRING_ARRAY).</summary>
    public const int RequireVersion = 1050;

    /// <summary>NoSource numbers (INT32 array).</summary>
    public const int NoSource = 1051;

    /// <summary>NoPatch numbers (INT32 array).</summary>
    public const int NoPatch = 1052;

    /// <summary>Conflicts flags (INT32 array).</summary>
    public const int ConflictFlags = 1053;

    /// <summary>Conflicts names (STRING_ARRAY).</summary>
    public const int ConflictName = 1054;

    /// <summary>Conflicts versions (STRING_ARRAY).</summary>
    public const int ConflictVersion = 1055;

    /// <summary>ExcludeArch list (STRING_ARRAY).</summary>
    public const int ExcludeArch = 1059;

    /// <summary>ExcludeOS list (STRING_ARRAY).</summary>
    public const int ExcludeOs = 1060;

    /// <summary>ExclusiveArch list (STRING_ARRAY).</summary>
    public const int ExclusiveArch = 1061;

    /// <summary>ExclusiveOS list (STRING_ARRAY).</summary>
    public const int ExclusiveOs = 1062;

    /// <summary>Version of rpm that built the package (STRING).</summary>
    public const int RpmVersion = 1064;

    /// <summary>Trigger scriptlets (STRING_ARRAY).</summary>
    public const int TriggerScripts = 1065;

    /// <summary>Trigger names (STRING_ARRAY).</summary>
    public const int TriggerName = 1066;

    /// <summary>Trigger versions (STRING_ARRAY).</summary>
    public const int TriggerVersion = 1067;

    /// <summary>Trigger flags (INT32 array).</summary>
    public const int TriggerFlags = 1068;

    /// <summary>Trigger script index (INT32 array).</summary>
    public const int TriggerIndex = 1069;

    /// <summary>%verifyscript scriptlet.</summary>
    public const int VerifyScript = 1079;

    /// <summary>Changelog times (INT32 array).</summary>
    public const int ChangelogTime = 1080;

    /// <summary>Changelog authors (STRING_ARRAY).</summary>
    public const int ChangelogName = 1081;

    /// <summary>Changelog texts (STRING_ARRAY).</summary>
    public const int ChangelogText = 1082;

    /// <summary>%pre interpreter.</summary>
    public const int PreInProg = 1085;

    /// <summary>%post interpreter.</summary>
    public const int PostInProg = 1086;

    /// <summary>%preun interpreter.</summary>
    public const int PreUnProg = 1087;

    /// <summary>%postun interpreter.</summary>
    public const int PostUnProg = 1088;

    /// <summary>BuildArch list of a source package (STRING_ARRAY).</summary>
    public const int BuildArchs = 1089;

    /// <summary>Obsoletes names (STRING_ARRAY).</summary>
    public const int ObsoleteName = 1090;

    /// <summary>Trigger interpreters (STRING_ARRAY).</summary>
    public const int TriggerScriptProg = 1092;

    /// <summary>Build cookie (STRING).</summary>
    public const int Cookie = 1094;

    /// <summary>File device ids (INT32 array).</summary>
    public const int FileDevices = 1095;

    /// <summary>File inode numbers (INT32 array).</summary>
    public const int FileInodes = 1096;

    /// <summary>File languages (STRING_ARRAY).</summary>
    public const int FileLangs = 1097;

    /// <summary>Relocatable prefixes (STRING_ARRAY).</summary>
    public const int Prefixes = 1098;

    /// <summary>Set (INT32 1) in source packages built by rpm 4.x.</summary>
    public const int SourcePackage = 1106;

    /// <summary>Provides flags (INT32 array).</summary>
    public const int ProvideFlags = 1112;

    /// <summary>Provides versions (STRING_ARRAY).</summary>
    public const int ProvideVersion = 1113;

    /// <summary>Obsoletes flags (INT32 array).</summary>
    public const int ObsoleteFlags = 1114;

    /// <summary>Obsoletes versions (STRING_ARRAY).</summary>
    public const int ObsoleteVersion = 1115;

    /// <summary>Per file index into DirNames (INT32 array).</summary>
    public const int DirIndexes = 1116;

    /// <summary>Per file base name (STRING_ARRAY).</summary>
    public const int BaseNames = 1117;

    /// <summary>Directory names ending in '/' (STRING_ARRAY).</summary>
    public const int DirNames = 1118;

    /// <summary>Compiler flags (STRING).</summary>
    public const int OptFlags = 1122;

    /// <summary>Distribution URL (STRING).</summary>
    public const int DistUrl = 1123;

    /// <summary>Payload archive format, e.g. cpio (STRING).</summary>
    public const int PayloadFormat = 1124;

    /// <summary>Payload compressor, e.g. gzip, xz, zstd (STRING).</summary>
    public const int PayloadCompressor = 1125;

    /// <summary>Payload compression level or flags (STRING).</summary>
    public const int PayloadFlags = 1126;

    /// <summary>Build platform (STRING).</summary>
    public const int Platform = 1132;

    /// <summary>File colors (INT32 array).</summary>
    public const int FileColors = 1140;

    /// <summary>Per file index into ClassDict (INT32 array).</summary>
    public const int FileClass = 1141;

    /// <summary>File class dictionary (STRING_ARRAY).</summary>
    public const int ClassDict = 1142;

    /// <summary>Source package id (BIN).</summary>
    public const int SourcePkgId = 1146;

    /// <summary>%pretrans scriptlet.</summary>
    public const int PreTrans = 1151;

    /// <summary>%posttrans scriptlet.</summary>
    public const int PostTrans = 1152;

    /// <summary>%pretrans interpreter.</summary>
    public const int PreTransProg = 1153;

    /// <summary>%posttrans interpreter.</summary>
    public const int PostTransProg = 1154;

    /// <summary>Distribution tag (STRING).</summary>
    public const int DistTag = 1155;

    /// <summary>File sizes (INT64 array), used instead of FileSizes for large files.</summary>
    public const int LongFileSizes = 5008;

    /// <summary>Installed size (INT64), used instead of Size when large.</summary>
    public const int LongSize = 5009;

    /// <summary>File capabilities (STRING_ARRAY).</summary>
    public const int FileCaps = 5010;

    /// <summary>File digest algorithm (INT32): 1 MD5 (default), 8 SHA-256...</summary>
    public const int FileDigestAlgo = 5011;

    /// <summary>Bug URL (STRING).</summary>
    public const int BugUrl = 5012;

    /// <summary>Version control URL (STRING).</summary>
    public const int Vcs = 5034;

    /// <summary>Ordering hint names (STRING_ARRAY).</summary>
    public const int OrderName = 5035;

    /// <summary>Ordering hint versions (STRING_ARRAY).</summary>
    public const int OrderVersion = 5036;

    /// <summary>Ordering hint flags (INT32 array).</summary>
    public const int OrderFlags = 5037;

    /// <summary>Recommends names (STRING_ARRAY).</summary>
    public const int RecommendName = 5046;

    /// <summary>Recommends versions (STRING_ARRAY).</summary>
    public const int RecommendVersion = 5047;

    /// <summary>Recommends flags (INT32 array).</summary>
    public const int RecommendFlags = 5048;

    /// <summary>Suggests names (STRING_ARRAY).</summary>
    public const int SuggestName = 5049;

    /// <summary>Suggests versions (STRING_ARRAY).</summary>
    public const int SuggestVersion = 5050;

    /// <summary>Suggests flags (INT32 array).</summary>
    public const int SuggestFlags = 5051;

    /// <summary>Supplements names (STRING_ARRAY).</summary>
    public const int SupplementName = 5052;

    /// <summary>Supplements versions (STRING_ARRAY).</summary>
    public const int SupplementVersion = 5053;

    /// <summary>Supplements flags (INT32 array).</summary>
    public const int SupplementFlags = 5054;

    /// <summary>Enhances names (STRING_ARRAY).</summary>
    public const int EnhanceName = 5055;

    /// <summary>Enhances versions (STRING_ARRAY).</summary>
    public const int EnhanceVersion = 5056;

    /// <summary>Enhances flags (INT32 array).</summary>
    public const int EnhanceFlags = 5057;

    /// <summary>String encoding, utf-8 (STRING).</summary>
    public const int Encoding = 5062;

    /// <summary>IMA file signatures (STRING_ARRAY).</summary>
    public const int FileSignatures = 5090;

    /// <summary>IMA file signature length (INT32).</summary>
    public const int FileSignatureLength = 5091;

    /// <summary>Digest of the compressed payload (STRING_ARRAY).</summary>
    public const int PayloadDigest = 5092;

    /// <summary>Payload digest algorithm (INT32).</summary>
    public const int PayloadDigestAlgo = 5093;

    /// <summary>Modularity label (STRING).</summary>
    public const int ModularityLabel = 5096;

    /// <summary>Digest of the uncompressed payload (STRING_ARRAY).</summary>
    public const int PayloadDigestAlt = 5097;

    /// <summary>Architecture suffix (STRING).</summary>
    public const int ArchSuffix = 5098;

    /// <summary>Expanded spec file of a source package (STRING).</summary>
    public const int Spec = 5099;
}
