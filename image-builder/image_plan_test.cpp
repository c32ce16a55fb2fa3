// Image planning without network or kernel: manifests whose payload is made
// of files, what tailor adds, /init's configuration, KML placement; plus the
// [check] verdicts and the kernel config sources.
#include "image-builder/image_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/embedded.h"
#include "image-builder/image_build.h"
#include "image-builder/image_check.h"
#include "image-builder/kernel_config_source.h"
#include "image-builder/test_support.h"
#include "image-builder/testdata/archive_maker.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ImagePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_support::scratch_dir("plan");
    stdfs::copy_file(testing_support::elf_fixtures() / "bin" / "hello_musl_static", dir_ / "hello");
    write_file_atomic(dir_ / "run.sh", "#!/bin/hello\n", stdfs::perms(0755));
  }
  Manifest manifest(const std::string& extra_app = "", const std::string& extra = "") {
    std::string text = "name = \"t\"\n[app]\nargv = [\"/bin/hello\", \"a b\"]\n" + extra_app +
                       "[[payload]]\nfiles = { \"/bin/hello\" = \"hello\", \"/run.sh\" = \"run.sh\" }\n" + extra;
    write_file_atomic(dir_ / "m.toml", text);
    return load_manifest(dir_ / "m.toml");
  }
  ImagePlan plan(const Manifest& m) {
    Progress quiet(false);
    return plan_image(m, dir_ / "cache", quiet);
  }
  stdfs::path dir_;
};

TEST_F(ImagePlanTest, AddsInitItsConfigTheConsoleAndStandardFiles) {
  ImagePlan p = plan(manifest("env = { GREETING = \"hi\" }\nworkdir = \"/work\"\n"));
  const PayloadNode* init = p.tree.find("/init");
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->mode, 0755u);
  EXPECT_EQ(read_file(init->content.file), std::string(embedded_init_binary()));
  const PayloadNode* console = p.tree.find("/dev/console");
  ASSERT_NE(console, nullptr);
  EXPECT_EQ(console->type, NodeType::CharDev);
  EXPECT_EQ(console->rdev_major, 5u);
  EXPECT_EQ(console->rdev_minor, 1u);
  EXPECT_EQ(p.tree.find("/tmp")->mode, 01777u);
  EXPECT_EQ(p.tree.find("/proc")->type, NodeType::Dir);  // default mount point
  EXPECT_EQ(p.tree.find("/work")->type, NodeType::Dir);
  EXPECT_THAT(read_file(p.tree.find("/etc/passwd")->content.file), HasSubstr("www-data:x:33:33:"));
  EXPECT_NE(p.tree.find("/etc/hosts"), nullptr);
  EXPECT_EQ(p.tree.find("/bin/hello")->source, "file hello");

  const std::string conf = read_file(p.tree.find("/tailor/init.conf")->content.file);
  EXPECT_EQ(conf, encode_init_config(p.init));
  static const char kRecords[] =
      "mdevtmpfs:/dev\0mproc:/proc\0l1\0w/work\0t10\0x/bin/hello\0a/bin/hello\0aa b\0eGREETING=hi\0";
  EXPECT_THAT(conf, HasSubstr(std::string(kRecords, sizeof kRecords - 1)));
  EXPECT_THAT(p.init.env, ElementsAre("GREETING=hi", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                      "HOME=/", "TERM=linux"));
}

// [net] and [[volume]] become /init's records, the mount point and the
// resolver's configuration; the stop timeout goes along.
TEST_F(ImagePlanTest, ServicesBecomeInitRecords) {
  ImagePlan p = plan(manifest("", "[run]\nstop_timeout_s = 4\n[net]\nports = [\"8080:80\"]\ndns = \"10.0.2.9\"\n"
                                  "[[volume]]\npath = \"/srv/data\"\nimage = \"d.img\"\n[[volume]]\npath = \"/ro\"\n"
                                  "image = \"r.img\"\nread_only = true\n"));
  EXPECT_THAT(p.init.nets, ElementsAre("eth0 10.0.2.15/24 10.0.2.2"));
  EXPECT_THAT(p.init.volumes, ElementsAre("vda ext4 /srv/data rw", "vdb ext4 /ro ro"));
  EXPECT_EQ(p.init.stop_timeout_s, 4);
  EXPECT_EQ(p.tree.find("/srv/data")->type, NodeType::Dir);
  EXPECT_EQ(read_file(p.tree.find("/etc/resolv.conf")->content.file), "nameserver 10.0.2.9\n");
  const std::string conf = read_file(p.tree.find("/tailor/init.conf")->content.file);
  static const char kRecords[] = "neth0 10.0.2.15/24 10.0.2.2\0vvda ext4 /srv/data rw\0vvdb ext4 /ro ro\0t4\0";
  EXPECT_THAT(conf, HasSubstr(std::string(kRecords, sizeof kRecords - 1)));
  EXPECT_EQ(plan(manifest()).tree.find("/etc/resolv.conf"), nullptr);  // no [net], no resolver
}

TEST_F(ImagePlanTest, AVolumeOverPayloadFilesIsAnError) {
  try {
    plan(manifest("", "[[volume]]\npath = \"/bin\"\nimage = \"d.img\"\n"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("[[volume]] #1: path /bin collides with the payload's /bin/hello (file hello)"));
  }
}

TEST_F(ImagePlanTest, ThePayloadsOwnEtcFilesWin) {
  write_file_atomic(dir_ / "passwd", "root:x:0:0::/:/bin/hello\n");
  ImagePlan p = plan(manifest("", "[[payload]]\nfiles = { \"/etc/passwd\" = \"passwd\" }\n"));
  EXPECT_EQ(p.tree.find("/etc/passwd")->source, "file passwd");
}

// The fixture is a static musl program: its copy under /trusted has its
// syscall sites rewritten (trusted_program_test.cpp has the dynamic case),
// the original stays for everything else.
TEST_F(ImagePlanTest, KmlRunsARewrittenCopyOfTheProgramFromTrusted) {
  ImagePlan p = plan(manifest("", "[kernel]\nkml = true\n"));
  EXPECT_EQ(p.init.exec, "/trusted/bin/hello");
  EXPECT_THAT(p.init.argv, ElementsAre("/bin/hello", "a b"));
  ASSERT_NE(p.tree.find("/trusted/bin/hello"), nullptr);
  ASSERT_EQ(p.trusted.size(), 1u);
  ASSERT_EQ(p.trusted[0].files.size(), 1u);
  const TrustedFile& f = p.trusted[0].files[0];
  EXPECT_GT(f.rewritten, 0u);
  EXPECT_EQ(p.tree.find("/trusted/bin/hello")->content.sha256, f.rewritten_sha256);
  EXPECT_EQ(p.tree.find("/bin/hello")->content.sha256, f.original_sha256);
  EXPECT_NE(f.rewritten_sha256, f.original_sha256);
  EXPECT_THAT(p.notes, Contains(HasSubstr("KML: " + std::to_string(f.rewritten) + " syscall sites")));
}

TEST_F(ImagePlanTest, KmlTrustedProgramsArePlacedToo) {
  ImagePlan p = plan(manifest("", "[kernel]\nkml = true\ntrusted = [\"/bin/hello\"]\n"));
  ASSERT_EQ(p.trusted.size(), 2u);
  EXPECT_EQ(p.trusted[1].files.front().path, "/bin/hello");
  EXPECT_THAT(p.trusted[1].argv, ElementsAre("/bin/hello"));
  EXPECT_THAT([&] { plan(manifest("", "[kernel]\nkml = true\ntrusted = [\"/bin/nope\"]\n")); },
              ::testing::ThrowsMessage<Error>(HasSubstr("[kernel] trusted: /bin/nope is not a file of the image")));
}

TEST_F(ImagePlanTest, KmlRefusesAScriptAsArgv0) {
  write_file_atomic(dir_ / "m.toml",
                    "name = \"t\"\n[app]\nargv = [\"/run.sh\"]\n[[payload]]\nfiles = { \"/bin/hello\" = \"hello\", "
                    "\"/run.sh\" = \"run.sh\" }\n[kernel]\nkml = true\n");
  Manifest m = load_manifest(dir_ / "m.toml");
  EXPECT_THAT([&] { plan(m); }, ::testing::ThrowsMessage<Error>(HasSubstr(
                                    "[kernel] kml = true needs argv[0] to be an ELF program, but /run.sh is a #! script")));
}

// An image whose /tailor is a symlink (here to /etc) would send init.conf
// elsewhere, and /init would read the image's own file: tailor's directory
// replaces it, with a note; /init and init.conf are tailor's.
TEST_F(ImagePlanTest, AContainerImagesTailorSymlinkAndInitAreReplaced) {
  const std::string layer = testing_support::make_archive(
      {testing_support::dir("etc/"), testing_support::symlink("tailor", "etc"),
       testing_support::file("init", "#!/bin/sh\necho not tailor\n", 0755)});
  write_file_atomic(dir_ / "img.tar",
                    testing_support::make_archive({testing_support::file("l/layer.tar", layer),
                                                   testing_support::file("manifest.json", R"([{"RepoTags":["x:1"],"Layers":["l/layer.tar"]}])")}));
  ImagePlan p = plan(manifest("", "[[payload]]\noci = \"img.tar\"\n"));
  ASSERT_NE(p.tree.find("/tailor"), nullptr);
  EXPECT_EQ(p.tree.find("/tailor")->type, NodeType::Dir);
  EXPECT_EQ(p.tree.find("/tailor/init.conf")->source, "tailor");
  EXPECT_EQ(p.tree.find("/etc/init.conf"), nullptr);
  EXPECT_EQ(p.tree.find("/init")->source, "tailor");
  EXPECT_THAT(p.notes, ::testing::Contains(HasSubstr("/tailor from oci img.tar x:1 is replaced by tailor's directory")));
  EXPECT_THAT(p.notes, ::testing::Contains(HasSubstr("/init from oci img.tar x:1 is replaced by tailor's /init")));
}

TEST(ImageCmdline, ConsoleQuietPanicThenKmlThenTheManifests) {
  Manifest m;
  EXPECT_EQ(image_cmdline(m), "console=ttyS0 panic=-1 quiet no_timer_check noapictimer");
  m.kernel.kml = true;
  m.kernel.cmdline = "loglevel=7";
  EXPECT_EQ(image_cmdline(m), "console=ttyS0 panic=-1 quiet no_timer_check noapictimer pti=off loglevel=7");
}

// Boot time: with one vCPU the tick comes from the PIT and the local APIC
// timer is never calibrated (216 ms of hello's boot); with several each CPU
// needs its own timer, so the calibration stays.
TEST(ImageCmdline, OnlyAOneCpuImageSkipsTheLocalApicTimer) {
  Manifest m;
  m.kernel.smp = 2;
  EXPECT_EQ(image_cmdline(m), "console=ttyS0 panic=-1 quiet no_timer_check");
}

TEST(ImageCheck, PassesOnlyWithEveryStringAndTheRightStatus) {
  CheckSpec c;
  c.present = true;
  c.stdout_has = {"PONG", "value 42"};
  c.exit_code = 0;
  EXPECT_TRUE(evaluate_check(c, "PONG\r\nvalue 42\r\n", 0).passed);
  CheckOutcome missing = evaluate_check(c, "PONG\r\n", 0);
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.summary(), "the console output lacks \"value 42\"");
  CheckOutcome status = evaluate_check(c, "PONG value 42", 3);
  EXPECT_EQ(status.summary(), "exit status 3, expected 0");
  CheckOutcome none = evaluate_check(c, "PONG value 42", std::nullopt, "timed out");
  EXPECT_EQ(none.summary(), "the app reported no exit status (timed out), expected 0");
  // A string split by a carriage return is still found once CRs are dropped.
  EXPECT_TRUE(evaluate_check(c, "PO\rNG value 42", 0).passed);
}

TEST(KernelConfigSource, FixedPlanIsTinyconfigWithTheBuiltInFragments) {
  KernelConfigPlan p = fixed_app_config(Manifest{}, PayloadTree{});
  EXPECT_EQ(p.base, ConfigBase::Tinyconfig);
  ASSERT_EQ(p.fragments.size(), 2u);
  EXPECT_EQ(p.fragments[0].name, "small.config");
  EXPECT_TRUE(config_enables(p.fragments[1].text, "CONFIG_INET"));
  EXPECT_TRUE(config_enables(p.fragments[1].text, "CONFIG_FUTEX"));
}

TEST(KernelConfigSource, ManifestConfigFileWinsAndFragmentsAreContentAddressed) {
  auto dir = testing_support::scratch_dir("config-source");
  write_file_atomic(dir / "full.config", "CONFIG_64BIT=y\n");
  Manifest m;
  m.kernel.config = (dir / "full.config").string();
  KernelConfigPlan p = manifest_or(fixed_app_config)(m, PayloadTree{});
  EXPECT_EQ(p.base, ConfigBase::None);
  EXPECT_EQ(p.origin, "file: full.config");
  m.kernel.config = (dir / "missing.config").string();
  EXPECT_THAT([&] { manifest_or(fixed_app_config)(m, PayloadTree{}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("missing.config: no such kernel config file")));

  auto a = materialize_fragments({{"x", "CONFIG_A=y\n"}, {"y", "CONFIG_B=y\n"}}, dir / "cache");
  auto b = materialize_fragments({{"renamed", "CONFIG_A=y\n"}}, dir / "cache");
  EXPECT_EQ(a[0], b[0]);
  EXPECT_NE(a[0], a[1]);
  EXPECT_EQ(read_file(a[1]), "CONFIG_B=y\n");
  EXPECT_FALSE(config_enables("CONFIG_A=y\n# CONFIG_A is not set\n", "CONFIG_A"));
  EXPECT_FALSE(config_enables("CONFIG_AB=y\n", "CONFIG_A"));
}

}  // namespace
}  // namespace tailor::image
