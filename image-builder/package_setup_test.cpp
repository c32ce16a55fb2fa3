// What the maintainer scripts and sysusers/tmpfiles data of Debian packages
// would create, read without running anything. The scripts are written here
// in the shapes bookworm's packages use.
#include "image-builder/package_setup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tailor::image {
namespace {

using ::testing::HasSubstr;

// The shape of a daemon package's postinst (redis-tools' is one): a
// variable, a shell function with positional parameters, a continued adduser
// line, chown/chmod that cannot be derived.
constexpr const char* kDaemonPostinst = R"(#!/bin/sh
set -eu
OWNER="redis"
prepare () {
	where="${1}"
	perms="${2}"
	grp="${3}"
	mkdir -p ${where}
	if ! dpkg-statoverride --list ${where} >/dev/null 2>&1; then
		chown ${OWNER}:${grp} ${where}
		chmod ${perms} ${where}
	fi
}
if [ "$1" = "configure" ]; then
	adduser --quiet \
		--system \
		--home /var/lib/redis \
		--group \
		${OWNER} || true
	prepare /var/log/redis 2750 adm
	prepare /var/lib/redis 750 ${OWNER}
fi
)";

// The shape of php8.2-cli's postinst: update-alternatives in a for loop over
// words, and ucf.
constexpr const char* kAlternativesPostinst = R"(#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    for prog in php phar; do
        update-alternatives \
            --install /usr/bin/${prog} ${prog} /usr/bin/${prog}8.2 82 \
            --slave /usr/share/man/man1/${prog}.1.gz ${prog}.1.gz /usr/share/man/man1/${prog}8.2.1.gz
    done
fi
ini="/etc/php/8.2/cli/php.ini"
ucf /usr/lib/php/8.2/php.ini-production.cli $ini
)";

TEST(PackageSetup, RedisScriptGivesAUserItsGroupAndDirectories) {
  PackageSetup s = derive_package_setup({{"redis-tools", {{"postinst", kDaemonPostinst}}, {}, {}}});
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(s.users[0].name, "redis");
  EXPECT_EQ(s.users[0].home, "/var/lib/redis");
  EXPECT_EQ(s.users[0].group, "redis");
  ASSERT_EQ(s.groups.size(), 1u);
  std::vector<std::string> dirs;
  for (const auto& d : s.dirs) dirs.push_back(d.path);
  EXPECT_THAT(dirs, ::testing::ElementsAre("/var/lib/redis", "/var/log/redis"));
  // chown and chmod are listed, with the values the reader could resolve.
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_THAT(s.warnings[0], HasSubstr("redis-tools: not derived from its maintainer scripts (the image lacks what "
                                       "they do): postinst `chown redis:adm /var/log/redis`, postinst `chmod 2750 "
                                       "/var/log/redis`, postinst `chown redis:redis /var/lib/redis` and 1 more"));
  EXPECT_EQ(passwd_file(s).substr(passwd_file(s).rfind('\n', passwd_file(s).size() - 2) + 1),
            "redis:x:100:101:redis:/var/lib/redis:/usr/sbin/nologin\n");
  EXPECT_THAT(group_file(s), HasSubstr("\nredis:x:101:\n"));  // 100 is Debian's "users"
}

TEST(PackageSetup, AlternativesInALoopBecomeLinksAndUcfIsAWarning) {
  PackageSetup s = derive_package_setup({{"php8.2-cli", {{"postinst", kAlternativesPostinst}}, {}, {}}});
  ASSERT_EQ(s.links.size(), 4u);  // php, phar and their man page slaves
  EXPECT_EQ(s.links[0].link, "/usr/bin/phar");
  EXPECT_EQ(s.links[1].link, "/usr/bin/php");
  EXPECT_EQ(s.links[1].target, "/usr/bin/php8.2");
  EXPECT_EQ(s.links[1].priority, 82);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("`ucf /usr/lib/php/8.2/php.ini-production.cli /etc/php/8.2/cli/php.ini`"));
}

// A web server's postinst (nginx-common's has this shape) enables the
// default site and copies the default page: literal ln -s and cp become a
// link and a copy; an ln of names the reader cannot know is a warning.
TEST(PackageSetup, LiteralLinksAndCopiesAreDerived) {
  PackageSetup s = derive_package_setup({{"nginx-common", {{"postinst", R"(case "$1" in
  configure)
    [ -e /etc/nginx/sites-enabled/default ] || ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default
    mkdir -p /var/www/html
    [ -e /var/www/html/index.nginx-debian.html ] || cp /usr/share/nginx/html/index.html /var/www/html/index.nginx-debian.html
    ln -sf /usr/share/nginx/modules-available/$mod /etc/nginx/modules-enabled/$mod
    ;;
esac
)"}}, {}, {}}});
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].link, "/etc/nginx/sites-enabled/default");
  EXPECT_EQ(s.links[0].target, "/etc/nginx/sites-available/default");
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_EQ(s.copies[0].to, "/var/www/html/index.nginx-debian.html");
  ASSERT_EQ(s.dirs.size(), 1u);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("/etc/nginx/modules-enabled/$mod`"));
}

TEST(PackageSetup, TheHighestPriorityAlternativeWins) {
  PackageSetup s = derive_package_setup(
      {{"a", {{"postinst", "update-alternatives --install /usr/bin/js js /usr/bin/a 10\n"}}, {}, {}},
       {"b", {{"postinst", "update-alternatives --install /usr/bin/js js /usr/bin/b 50\n"}}, {}, {}}});
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].target, "/usr/bin/b");
}

TEST(PackageSetup, SysusersAndTmpfilesAreReadAsData) {
  PackageSetup s = derive_package_setup(
      {{"memcached", {}, {"# comment\nu memcache 120 \"Memcached\" /nonexistent -\ng extra -\n"},
        {"d /run/memcached 0750 memcache memcache -\nd /run/%i 0755 - - -\nf /etc/x 0644 - - -\n"}}});
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(*s.users[0].id, 120u);
  EXPECT_THAT(passwd_file(s), HasSubstr("\nmemcache:x:120:120:memcache:/nonexistent:/usr/sbin/nologin\n"));
  ASSERT_EQ(s.dirs.size(), 1u);  // %i and 'f' lines are not directories tailor can name
  EXPECT_EQ(s.dirs[0].path, "/run/memcached");
  EXPECT_EQ(s.dirs[0].mode, 0750u);
}

// What the reader cannot know is never guessed: an adduser of $(...) or an
// unset variable is a warning, not a user named "$...".
TEST(PackageSetup, UnknowableValuesAreWarningsNotGuesses) {
  PackageSetup s = derive_package_setup(
      {{"x", {{"postinst", "adduser --system $(cat /etc/name)\nmkdir -p \"$DIR/sub\"\nrm -rf /\n"}}, {}, {}}});
  EXPECT_TRUE(s.users.empty());
  EXPECT_TRUE(s.dirs.empty());
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("postinst `adduser --system $(cat /etc/name)`, postinst `mkdir -p \"$DIR/sub\"`"));
}

// Static users keep the ids base-passwd gives them, whoever asks for them.
TEST(PackageSetup, StaticAccountsAreNotDuplicated) {
  PackageSetup s = derive_package_setup({{"nginx-common", {{"postinst", "adduser --system --group www-data\n"}}, {}, {}}});
  EXPECT_TRUE(s.users.empty());
  EXPECT_EQ(passwd_file(s), passwd_file(PackageSetup{}));
}

// Found by the fuzz target: a command whose name is an unknown variable.
TEST(PackageSetup, ACommandNamedByAnUnknownVariableIsSkipped) {
  PackageSetup s = derive_package_setup({{"x", {{"postinst", "$tool /usr/bin/x; do\nmkdir /a\n"}}, {}, {}}});
  EXPECT_EQ(s.dirs.size(), 1u);
}

TEST(PackageSetup, FunctionsCallingThemselvesStop) {
  PackageSetup s = derive_package_setup({{"x", {{"postinst", "f () {\nf\nmkdir /a\n}\nf\n"}}, {}, {}}});
  EXPECT_EQ(s.dirs.size(), 1u);
}

}  // namespace
}  // namespace tailor::image
