// What the maintainer scripts and sysusers/tmpfiles data of real Debian
// packages would create, read without running anything. The scripts are
// shortened copies of the shapes bookworm's packages use.
#include "image-builder/package_setup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tailor {
namespace {

using ::testing::HasSubstr;

// redis-tools' postinst: a variable, a shell function with positional
// parameters, a continued adduser line, chown/chmod that cannot be derived.
constexpr const char* kRedisPostinst = R"(#!/bin/sh
set -eu
USER="redis"
Setup_dir () {
	DIR="${1}"
	MODE="${2}"
	GROUP="${3}"
	mkdir -p ${DIR}
	if ! dpkg-statoverride --list ${DIR} >/dev/null 2>&1
	then
		chown ${USER}:${GROUP} ${DIR}
		chmod ${MODE} ${DIR}
	fi
}
if [ "$1" = "configure" ]
then
	adduser \
		--system \
		--home /var/lib/redis \
		--quiet \
		--group \
		${USER} || true
	Setup_dir /var/log/redis 2750 adm
	Setup_dir /var/lib/redis 750 ${USER}
fi
exit 0
)";

// php8.2-cli's postinst: update-alternatives in a for loop over words.
constexpr const char* kPhpPostinst = R"(#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    for binary in php phar; do
        update-alternatives \
	    --install /usr/bin/${binary} ${binary} /usr/bin/${binary}8.2 82 \
	    --slave /usr/share/man/man1/${binary}.1.gz ${binary}.1.gz /usr/share/man/man1/${binary}8.2.1.gz
    done
fi
phpini="/etc/php/8.2/cli/php.ini"
ucf /usr/lib/php/8.2/php.ini-production.cli $phpini
)";

TEST(PackageSetup, RedisScriptGivesAUserItsGroupAndDirectories) {
  PackageSetup s = derive_package_setup({{"redis-tools", {{"postinst", kRedisPostinst}}, {}, {}}});
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
  PackageSetup s = derive_package_setup({{"php8.2-cli", {{"postinst", kPhpPostinst}}, {}, {}}});
  ASSERT_EQ(s.links.size(), 4u);  // php, phar and their man page slaves
  EXPECT_EQ(s.links[0].link, "/usr/bin/phar");
  EXPECT_EQ(s.links[1].link, "/usr/bin/php");
  EXPECT_EQ(s.links[1].target, "/usr/bin/php8.2");
  EXPECT_EQ(s.links[1].priority, 82);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("`ucf /usr/lib/php/8.2/php.ini-production.cli /etc/php/8.2/cli/php.ini`"));
}

// nginx-common's postinst enables the default site and copies the default
// page: literal ln -s and cp become a link and a copy.
TEST(PackageSetup, LiteralLinksAndCopiesAreDerived) {
  PackageSetup s = derive_package_setup({{"nginx-common", {{"postinst", R"(case "$1" in
  configure)
    if [ -z $2 ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
      ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default
    fi
    if [ ! -e /var/www/html/index.nginx-debian.html ]; then
      mkdir -p /var/www/html
      cp /usr/share/nginx/html/index.html /var/www/html/index.nginx-debian.html
    fi
    ln -sf /usr/share/nginx/modules-available/$from /etc/nginx/modules-enabled/$to
    ;;
esac
)"}}, {}, {}}});
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].link, "/etc/nginx/sites-enabled/default");
  EXPECT_EQ(s.links[0].target, "/etc/nginx/sites-available/default");
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_EQ(s.copies[0].to, "/var/www/html/index.nginx-debian.html");
  ASSERT_EQ(s.dirs.size(), 1u);
  ASSERT_EQ(s.warnings.size(), 1u);  // the ln of unknown names
  EXPECT_THAT(s.warnings[0], HasSubstr("/etc/nginx/modules-enabled/$to`"));
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

TEST(PackageSetup, FunctionsCallingThemselvesStop) {
  PackageSetup s = derive_package_setup({{"x", {{"postinst", "f () {\nf\nmkdir /a\n}\nf\n"}}, {}, {}}});
  EXPECT_EQ(s.dirs.size(), 1u);
}

}  // namespace
}  // namespace tailor
