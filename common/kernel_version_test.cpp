#include "common/kernel_version.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tailor {
namespace {

TEST(KernelVersion, ReadsTheMakefileHeaderAsKbuildJoinsIt) {
  auto v = makefile_kernel_version("# SPDX\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version, "6");
  EXPECT_EQ(v->patchlevel, "1");
  EXPECT_EQ(v->text(), "6.1.192");
  EXPECT_EQ(makefile_kernel_version("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc1\n")->text(),
            "6.12.0-rc1");
}

TEST(KernelVersion, AnEmptySublevelOrPatchlevelIsLeftOut) {
  EXPECT_EQ(makefile_kernel_version("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL =\n")->text(), "6.12");
  EXPECT_EQ(makefile_kernel_version("VERSION=7\nSUBLEVEL = 3\n")->text(), "7");
}

TEST(KernelVersion, ValuesAreTrimmedAndCutAtAComment) {
  auto v = makefile_kernel_version("VERSION\t= 6 \r\nPATCHLEVEL = 1 # the LTS\nEXTRAVERSION = -x#y\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text(), "6.1-x");
}

TEST(KernelVersion, NoVersionLineInTheHeaderIsNone) {
  EXPECT_FALSE(makefile_kernel_version("all:\n\techo\n"));
  EXPECT_FALSE(makefile_kernel_version("VERSION =\nPATCHLEVEL = 1\n"));
  EXPECT_FALSE(makefile_kernel_version("KERNELVERSION = 6\nVERSIONS = 2\n"));
  std::string late(40, '\n');
  EXPECT_FALSE(makefile_kernel_version(late + "VERSION = 6\n"));
}

TEST(KernelVersion, ReadsTheVersionAndNamesTheFileWithoutOne) {
  EXPECT_EQ(kernel_version_from_makefile("VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n", "x"),
            "6.1.192");
  EXPECT_EQ(kernel_version_from_makefile("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc1\n", "x"),
            "6.12.0-rc1");
  try {
    kernel_version_from_makefile("all:\n\techo\n", "/t/Makefile");
    ADD_FAILURE() << "a Makefile without VERSION/PATCHLEVEL was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/t/Makefile"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tailor
