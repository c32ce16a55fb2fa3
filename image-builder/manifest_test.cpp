// Manifest parsing: what a good manifest turns into, and how each kind of
// mistake is reported (always with file:line:column).
#include "image-builder/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// The error message parse_manifest throws for `text` (fails the test if none).
std::string error_of(const std::string& text) {
  try {
    parse_manifest(text, "/m/app.toml");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

const char* kFull = R"(
name = "redis"

[app]
argv = ["/bin/sh", "/run.sh", "x"]
env = { ZED = "last", ALPHA = "first" }
workdir = "/var/lib//redis/"
mounts = ["proc", "tmpfs:/run", "devtmpfs"]
loopback = false

[[payload]]
deb = ["redis-server", "local/pkg.deb"]
deb_deps = false

[[payload]]
host = ["/usr/bin/env"]
files = { "/run.sh" = "redis/run.sh" }

[[payload]]
oci = "images/busybox.tar"
oci_ref = "busybox:latest"

[kernel]
smp = 2
kml = true
extra = ["IPV6", "CONFIG_NR_CPUS=8", "DEBUG_INFO=n"]
cmdline = "loglevel=7"
compression = "zstd"
embed_initramfs = true

[run]
memory_mib = 512
timeout_s = 60

[check]
stdout = ["PONG", "OK"]
exit_code = 3
)";

TEST(Manifest, ParsesEveryField) {
  Manifest m = parse_manifest(kFull, "/m/app.toml");
  EXPECT_EQ(m.name, "redis");
  EXPECT_EQ(m.dir, "/m");
  EXPECT_THAT(m.app.argv, ElementsAre("/bin/sh", "/run.sh", "x"));
  // env keeps the manifest's order, not the alphabetical one.
  EXPECT_THAT(m.app.env, ElementsAre(Pair("ZED", "last"), Pair("ALPHA", "first")));
  EXPECT_EQ(m.app.workdir, "/var/lib/redis");
  ASSERT_EQ(m.app.mounts.size(), 3u);
  EXPECT_EQ(m.app.mounts[0].type, "proc");
  EXPECT_EQ(m.app.mounts[0].target, "/proc");
  EXPECT_EQ(m.app.mounts[1].type, "tmpfs");
  EXPECT_EQ(m.app.mounts[1].target, "/run");
  EXPECT_EQ(m.app.mounts[2].target, "/dev");
  EXPECT_FALSE(m.app.loopback);

  ASSERT_EQ(m.payloads.size(), 3u);
  EXPECT_THAT(m.payloads[0].deb, ElementsAre("redis-server", "/m/local/pkg.deb"));
  EXPECT_FALSE(m.payloads[0].deb_deps);
  EXPECT_THAT(m.payloads[1].host, ElementsAre("/usr/bin/env"));
  EXPECT_THAT(m.payloads[1].files, ElementsAre(Pair("/run.sh", "/m/redis/run.sh")));
  EXPECT_EQ(m.payloads[2].oci, "/m/images/busybox.tar");
  EXPECT_EQ(m.payloads[2].oci_ref, "busybox:latest");
  EXPECT_EQ(m.payloads[2].index, 3);

  EXPECT_EQ(m.kernel.smp, 2);
  EXPECT_TRUE(m.kernel.kml);
  EXPECT_THAT(m.kernel.extra, ElementsAre("CONFIG_IPV6=y", "CONFIG_NR_CPUS=8", "# CONFIG_DEBUG_INFO is not set"));
  EXPECT_EQ(m.kernel.cmdline, "loglevel=7");
  EXPECT_EQ(m.kernel.compression, Compression::Zstd);
  EXPECT_TRUE(m.kernel.embed_initramfs);
  EXPECT_EQ(m.run.memory_mib, 512);
  EXPECT_EQ(m.run.timeout_s, 60);
  EXPECT_TRUE(m.check.present);
  EXPECT_THAT(m.check.stdout_has, ElementsAre("PONG", "OK"));
  EXPECT_EQ(m.check.exit_code, 3);
}

TEST(Manifest, DefaultsForAMinimalManifest) {
  Manifest m = parse_manifest("name = \"hi\"\n[app]\nargv = [\"/bin/true\"]\n[[payload]]\nhost = [\"/bin/true\"]\n",
                              "/m/hi.toml");
  EXPECT_EQ(m.app.workdir, "/");
  ASSERT_EQ(m.app.mounts.size(), 2u);
  EXPECT_EQ(m.app.mounts[0].type, "devtmpfs");
  EXPECT_EQ(m.app.mounts[1].type, "proc");
  EXPECT_TRUE(m.app.loopback);
  EXPECT_TRUE(m.payloads[0].deb_deps);
  EXPECT_EQ(m.kernel.smp, 1);
  EXPECT_FALSE(m.kernel.kml);
  EXPECT_FALSE(m.kernel.compression.has_value());
  EXPECT_EQ(m.run.memory_mib, 256);
  EXPECT_FALSE(m.check.present);
}

TEST(Manifest, UnknownKeysNameTheKeyAndItsPosition) {
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\nagrv = 1\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:4:1: unknown key 'agrv' in [app] (known keys: argv,"));
  EXPECT_THAT(error_of("name = \"x\"\nversion = 2\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:2:1: unknown key 'version' in the manifest's top level"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\npip = [\"x\"]\n"),
              HasSubstr("/m/app.toml:6:1: unknown key 'pip' in [[payload]] #1"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\n  smpp = 2\n"),
              HasSubstr("/m/app.toml:7:3: unknown key 'smpp' in [kernel]"));
}

// [kernel] trusted: more programs for KML's /trusted, absolute image paths,
// only with kml = true.
TEST(Manifest, TrustedProgramsNeedKmlAndAbsolutePaths) {
  const std::string head = "name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\n";
  Manifest m = parse_manifest(head + "kml = true\ntrusted = [\"/usr/bin/redis-server\", \"/usr//bin/x\"]\n", "/m/app.toml");
  EXPECT_THAT(m.kernel.trusted, ElementsAre("/usr/bin/redis-server", "/usr/bin/x"));
  EXPECT_EQ(m.kernel.trusted_where.size(), 2u);
  EXPECT_THAT(error_of(head + "trusted = [\"/usr/bin/x\"]\n"),
              HasSubstr("/m/app.toml:7:11: [kernel] trusted lists programs for KML: it needs kml = true"));
  EXPECT_THAT(error_of(head + "kml = true\ntrusted = [\"usr/bin/x\"]\n"),
              HasSubstr("/m/app.toml:8:12: [kernel] trusted: 'usr/bin/x' must be an absolute image path"));
}

TEST(Manifest, WrongTypesNameTheFieldTheTypeAndThePosition) {
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = \"/bin/sh\"\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:3:8: [app] argv must be an array of strings, not a string"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\", 5]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:3:15: [app] argv[1] must be a string, not an integer"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\nkml = \"yes\"\n"),
              HasSubstr("/m/app.toml:7:7: [kernel] kml must be true or false, not a string"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[run]\nmemory_mib = 1.5\n"),
              HasSubstr("/m/app.toml:7:14: [run] memory_mib must be an integer, not a float"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\nenv = { A = 1 }\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:4:13: [app] env.A must be a string, not an integer"));
  EXPECT_THAT(error_of("name = \"x\"\napp = 3\n"), HasSubstr("/m/app.toml:2:7: [app] must be a table, not an integer"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[payload]\nhost = [\"/a\"]\n"),
              HasSubstr("payload must be written as [[payload]] tables, not a table"));
}

TEST(Manifest, InvalidValuesAreErrors) {
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"bin/sh\"]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:3:9: [app] argv[0] 'bin/sh' must be the program's absolute path"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = []\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("argv must not be empty"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\nmounts = [\"nfs\"]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:4:11: [app] mounts: unknown file system 'nfs'"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"relative\"]\n"),
              HasSubstr("/m/app.toml:5:9: [[payload]] host: 'relative' must be an absolute host path"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nfiles = { \"../etc\" = \"a\" }\n"),
              HasSubstr("image path '../etc' must be absolute"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\n"),
              HasSubstr("/m/app.toml:4:1: [[payload]] #1: empty payload"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\nsmp = 0\n"),
              HasSubstr("/m/app.toml:7:7: [kernel] smp = 0 is out of range (1..64)"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\nextra = [\"ipv6\"]\n"),
              HasSubstr("/m/app.toml:7:10: [kernel] extra: 'ipv6' is not a config symbol"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n[kernel]\ncompression = \"xz\"\n"),
              HasSubstr("compression 'xz' is not one of gzip, zstd, lz4, none"));
  EXPECT_THAT(error_of("name = \"Bad Name\"\n"), HasSubstr("/m/app.toml:1:8: name 'Bad Name' must be"));
}

// The choice among apt's install set (deb_selection.h) is per [[payload]] table.
TEST(Manifest, DebSelectionKeys) {
  Manifest m = parse_manifest("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\ndeb = [\"redis-server\"]\n"
                              "deb_recommends = true\ndeb_include = [\"adduser\"]\ndeb_exclude = [\"redis-tools\"]\n",
                              "/m/app.toml");
  EXPECT_TRUE(m.payloads[0].deb_recommends);
  EXPECT_THAT(m.payloads[0].deb_include, ::testing::ElementsAre("adduser"));
  EXPECT_THAT(m.payloads[0].deb_exclude, ::testing::ElementsAre("redis-tools"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\ndeb_exclude = [\"x1\"]\n"),
              HasSubstr("/m/app.toml:6:15: [[payload]] #1: deb_exclude needs deb = [...] in the same table"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\ndeb = [\"a1\"]\ndeb_deps = false\n"
                       "deb_include = [\"x1\"]\n"),
              HasSubstr("deb_include chooses among resolved dependencies; it needs deb_deps = true"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\ndeb = [\"a1\"]\ndeb_exclude = [\"-o\"]\n"),
              HasSubstr("/m/app.toml:6:16: [[payload]] deb_exclude: '-o' is not a Debian package name"));
}

// [net], [[volume]] and the stop timeout (issue 14).
TEST(Manifest, ServiceTables) {
  const std::string base = "name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\nhost = [\"/a\"]\n";
  Manifest m = parse_manifest(base + "[run]\nstop_timeout_s = 3\n[net]\nports = [\"8080:80\", \"5353:53/udp\"]\n"
                                     "[[volume]]\npath = \"/data/\"\nimage = \"d.img\"\nsize_mib = 16\nseed = \"s\"\n"
                                     "read_only = true\n",
                              "/m/app.toml");
  EXPECT_TRUE(m.net.present);
  EXPECT_TRUE(m.net.tap.empty());
  ASSERT_EQ(m.net.ports.size(), 2u);
  EXPECT_EQ(m.net.address, "10.0.2.15/24");
  EXPECT_EQ(m.run.stop_timeout_s, 3);
  EXPECT_FALSE(m.run.timeout_set);
  ASSERT_EQ(m.volumes.size(), 1u);
  EXPECT_EQ(m.volumes[0].path, "/data");
  EXPECT_EQ(m.volumes[0].image, "/m/d.img");
  EXPECT_EQ(m.volumes[0].seed, "/m/s");
  EXPECT_TRUE(m.volumes[0].read_only);
  EXPECT_EQ(parse_manifest(base + "[net]\nmode = \"tap:tap0\"\n", "/m/app.toml").net.tap, "tap0");
  EXPECT_FALSE(parse_manifest(base, "/m/app.toml").net.present);

  EXPECT_THAT(error_of(base + "[net]\nmode = \"bridge\"\n"), HasSubstr("/m/app.toml:7:8: [net] mode 'bridge' is not"));
  EXPECT_THAT(error_of(base + "[net]\nmode = \"tap:tap0\"\nports = [\"1:2\"]\n"),
              HasSubstr("[net] ports forward through user-mode networking"));
  EXPECT_THAT(error_of(base + "[net]\nports = [\"80:80\", \"80:81\"]\n"), HasSubstr("host port 80/tcp is forwarded twice"));
  EXPECT_THAT(error_of(base + "[net]\naddress = \"10.0.2.15\"\n"), HasSubstr("is not an IPv4 address with a prefix"));
  EXPECT_THAT(error_of(base + "[net]\ndns = \"x\"\n"), HasSubstr("[net] dns 'x' is not an IPv4 address"));
  EXPECT_THAT(error_of(base + "[[volume]]\nimage = \"d.img\"\n"), HasSubstr("/m/app.toml:6:1: [[volume]] #1: path is missing"));
  EXPECT_THAT(error_of(base + "[[volume]]\npath = \"/data\"\n"), HasSubstr("[[volume]] #1: image is missing"));
  EXPECT_THAT(error_of(base + "[[volume]]\npath = \"/tailor/x\"\nimage = \"d\"\n"),
              HasSubstr("path /tailor/x is where the guest's own files are"));
  EXPECT_THAT(error_of(base + "[[volume]]\npath = \"/a b\"\nimage = \"d\"\n"), HasSubstr("must not contain white space"));
  EXPECT_THAT(error_of(base + "[[volume]]\npath = \"/d\"\nimage = \"a\"\n[[volume]]\npath = \"/d\"\nimage = \"b\"\n"),
              HasSubstr("[[volume]] #2: path /d is also volume #1's"));
  EXPECT_THAT(error_of(base + "[[volume]]\npath = \"/d\"\nimage = \"a\"\nsize_mib = 1\n"),
              HasSubstr("size_mib = 1 is out of range (8..65536)"));
}

// Inputs from someone else's manifest (issue 13): package names that apt
// would read as options, NUL bytes that cut a path short, tailor's own paths,
// names that are directory tricks, paths past Linux's limits.
TEST(Manifest, HostileValuesAreRefusedWithTheirPosition) {
  const std::string head = "name = \"x\"\n[app]\nargv = [\"/a\"]\n[[payload]]\n";
  EXPECT_THAT(error_of(head + "deb = [\"busybox-static\",\n       \"-oDir::Bin::dpkg=sh\"]\n"),
              HasSubstr("/m/app.toml:6:8: [[payload]] deb: '-oDir::Bin::dpkg=sh' is not a Debian package name"));
  EXPECT_THAT(error_of(head + "deb = [\"-oDPkg::Options::=--force\"]\n"), HasSubstr("/m/app.toml:5:8: [[payload]] deb:"));
  EXPECT_THAT(error_of(head + "deb = [\"sqlite3=-oX\"]\n"), HasSubstr("'-oX' is not a Debian version"));
  EXPECT_THAT(error_of(head + "deb = [\"sqlite3:-x\"]\n"), HasSubstr("'-x' is not an architecture name"));
  EXPECT_THAT(error_of(head + "deb = [\"Sqlite3\"]\n"), HasSubstr("'Sqlite3' is not a Debian package name"));
  Manifest ok = parse_manifest(head + "deb = [\"sqlite3\", \"libc6:amd64=2.36-9+deb12u4\", \"lib.deb\"]\n", "/m/app.toml");
  EXPECT_THAT(ok.payloads[0].deb, ElementsAre("sqlite3", "libc6:amd64=2.36-9+deb12u4", "/m/lib.deb"));

  // A NUL byte: "/init\0" would be a second cpio member named init.
  EXPECT_THAT(error_of(head + "files = { \"/init\\u0000\" = \"evil\" }\n"),
              HasSubstr("/m/app.toml:5:27: [[payload]] files: image path '/init\\0' holds a NUL byte"));
  EXPECT_THAT(error_of(head + "files = { \"/x\" = \"a\\u0000b\" }\n"), HasSubstr("holds a NUL byte"));
  EXPECT_THAT(error_of(head + "host = [\"/etc/passwd\\u0000x\"]\n"), HasSubstr("[[payload]] host: '/etc/passwd\\0x' holds a NUL byte"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\", \"b\\u0000\"]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("/m/app.toml:3:15: [app] argv: 'b\\0' holds a NUL byte"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\nenv = { A = \"\\u0000\" }\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("[app] env.A: '\\0' holds a NUL byte"));
  // tailor's own paths, however they are spelled.
  EXPECT_THAT(error_of(head + "files = { \"/init\" = \"evil\" }\n"), HasSubstr("[[payload]] files: '/init' is reserved"));
  EXPECT_THAT(error_of(head + "files = { \"//init/\" = \"evil\" }\n"), HasSubstr("'/init' is reserved"));
  EXPECT_THAT(error_of(head + "files = { \"/tailor/init.conf\" = \"evil\" }\n"), HasSubstr("'/tailor/init.conf' is reserved"));
  EXPECT_THAT(error_of(head + "host = [\"/init\"]\n"), HasSubstr("[[payload]] host: '/init' is reserved"));
  // Names that would make out/<name> something else.
  for (const char* name : {"..", ".", ".hidden", "-x"})
    EXPECT_THAT(error_of("name = \"" + std::string(name) + "\"\n"),
                HasSubstr("/m/app.toml:1:8: name '" + std::string(name) + "' must be 1-64 characters"));
  // Past PATH_MAX: refused at once, not after gigabytes of parent directories.
  std::string deep = "/";
  for (int i = 0; i < 100000; ++i) deep += "a/";
  deep += "f";
  EXPECT_THAT(error_of(head + "files = { \"" + deep + "\" = \"x\" }\n"),
              HasSubstr("[[payload]] files: image path '/a/a/a/"));
  EXPECT_THAT(error_of(head + "files = { \"" + deep + "\" = \"x\" }\n"), HasSubstr("(200002 bytes) is longer than 4096 bytes"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/" + std::string(300, 'n') + "\"]\n[[payload]]\nhost = [\"/a\"]\n"),
              HasSubstr("[app] argv[0]: image path '/nnn"));
}

TEST(Manifest, MissingPartsAreNamed) {
  EXPECT_THAT(error_of("[app]\nargv = [\"/a\"]\n"), HasSubstr("name is missing"));
  EXPECT_THAT(error_of("name = \"x\"\n"), HasSubstr("[app] is missing"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nenv = {}\n"), HasSubstr("/m/app.toml:2:1: [app] argv is missing"));
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"]\n"), HasSubstr("no [[payload]]"));
}

TEST(Manifest, SyntaxErrorsKeepTomlsPosition) {
  EXPECT_THAT(error_of("name = \"x\"\n[app]\nargv = [\"/a\"\n"), HasSubstr("/m/app.toml:3:14: TOML syntax error: Error while parsing array"));
  EXPECT_THAT(error_of("name = = 1\n"), HasSubstr("/m/app.toml:1:8: TOML syntax error"));
}

TEST(Manifest, ConfigSymbolsAreNormalized) {
  EXPECT_EQ(normalize_config_symbol("EPOLL"), "CONFIG_EPOLL=y");
  EXPECT_EQ(normalize_config_symbol("CONFIG_EPOLL=m"), "CONFIG_EPOLL=m");
  EXPECT_EQ(normalize_config_symbol("CMDLINE=\"a b\""), "CONFIG_CMDLINE=\"a b\"");
  EXPECT_EQ(normalize_config_symbol("MODULES=n"), "# CONFIG_MODULES is not set");
  EXPECT_THROW(normalize_config_symbol("CONFIG_"), Error);
  EXPECT_THROW(normalize_config_symbol("A B"), Error);
  EXPECT_THROW(normalize_config_symbol("X="), Error);
}

TEST(Manifest, LoadNamesAMissingFile) {
  try {
    load_manifest("/nonexistent/m.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/m.toml: no such manifest file"));
  }
}

}  // namespace
}  // namespace tailor::image
