// The model's binary form: a decoded model is the parsed one (same bytes
// when encoded again, same output in every mode), and damaged data -- cut
// short, bytes changed, counts made huge, ids pointing elsewhere -- is
// rejected or at worst decodes to a model that evaluates without crashing.
#include "kconfig-analyzer/kconfig/model_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/fs.h"
#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/kconfig/shell.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

std::string encode(const Model& m) {
  ByteWriter w;
  encode_model(w, m);
  return w.take();
}

std::shared_ptr<const Model> decode(std::string_view bytes) {
  ByteReader r(bytes);
  return std::make_shared<const Model>(decode_model(r));
}

constexpr Mode kAllModes[] = {Mode::OldDefConfig, Mode::AllNoConfig,  Mode::AllYesConfig, Mode::AllModConfig,
                              Mode::AllDefConfig, Mode::DefConfig, Mode::SaveDefConfig};

// Every mode's output (with `input` where a mode reads one).
std::vector<std::string> outputs(const std::shared_ptr<const Model>& m, const std::string& input) {
  std::vector<std::string> out;
  for (Mode mode : kAllModes) {
    bool reads = mode == Mode::OldDefConfig || mode == Mode::SaveDefConfig || mode == Mode::DefConfig;
    std::optional<ConfigText> in;
    if (reads) in = ConfigText{".config", input};
    ModeResult r = run_mode(m, mode, in);
    out.push_back(r.output);
    for (const std::string& w : r.warnings) out.back() += "\nwarning: " + w;
  }
  return out;
}

struct TestTree {
  std::string name;
  std::shared_ptr<const Tree> tree;
  std::string input;
};

// The golden cases' trees, in both dialects.
std::vector<TestTree> golden_trees() {
  std::vector<TestTree> out;
  ProcessShell shell(std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
  std::vector<stdfs::path> dirs;
  for (const auto& d : stdfs::directory_iterator(testing::testdata_dir()))
    if (stdfs::exists(d.path() / "Kconfig")) dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  for (const stdfs::path& dir : dirs)
    for (Dialect d : {Dialect::Classic, Dialect::Modern}) {
      DiskFiles files(dir);
      std::map<std::string, std::string> env = {{"GREETING", "hello"}, {"srctree", dir.string()}};
      std::shared_ptr<const Tree> tree;
      try {
        tree = Tree::parse(files, "Kconfig", d, env, &shell);
      } catch (const KconfigError&) {
        continue;  // a case written for the other dialect only
      }
      std::string input = stdfs::exists(dir / "input.config") ? read_file(dir / "input.config") : "";
      out.push_back({dir.filename().string() + (d == Dialect::Classic ? "/classic" : "/modern"), tree, input});
    }
  return out;
}

TEST(ModelCodec, RoundTripEqualsAFreshParse) {
  auto trees = golden_trees();
  ASSERT_GT(trees.size(), 20u);
  for (const TestTree& t : trees) {
    SCOPED_TRACE(t.name);
    std::string bytes = encode(t.tree->model());
    auto back = decode(bytes);
    // Every field the encoder writes came back...
    EXPECT_EQ(encode(*back), bytes);
    // ... and so did what it does not write (the name tables, interned strings).
    for (SymbolId s = kSymYes + 1; s < back->symbols.size(); ++s) {
      const Symbol& sym = back->symbols[s];
      if (sym.flags & (kSymConst | kSymChoice)) continue;
      EXPECT_EQ(back->find(sym.name), t.tree->model().find(sym.name)) << sym.name;
    }
    ASSERT_EQ(back->string_count(), t.tree->model().string_count());
    for (StrId id = 0; id < back->string_count(); ++id) EXPECT_EQ(back->str(id), t.tree->model().str(id));
    EXPECT_EQ(outputs(back, t.input), outputs(t.tree->model_ptr(), t.input));
  }
}

TEST(ModelCodec, FinalPoolListsOperandsFirstAndSharesEqualExpressions) {
  auto t = testing::tree_of(
      "menu \"M\"\n\tdepends on A && B\n"
      "config X\n\tbool \"x\"\nconfig Y\n\tbool \"y\"\n"
      "endmenu\n"
      "config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\n");
  const Model& m = t->model();
  for (ExprId e = 0; e < m.exprs.size(); ++e) {
    const ExprNode& n = m.exprs[e];
    if (n.kind == ExprKind::And || n.kind == ExprKind::Or) {
      EXPECT_LT(n.right, e);
    }
    if (n.kind == ExprKind::And || n.kind == ExprKind::Or || n.kind == ExprKind::Not) {
      EXPECT_LT(n.left, e);
    }
    for (ExprId f = 0; f < e; ++f)
      EXPECT_FALSE(m.exprs[f].kind == n.kind && m.exprs[f].left == n.left && m.exprs[f].right == n.right)
          << "expressions " << f << " and " << e << " are equal";
  }
  // X and Y inherit the menu's dependency: one shared expression.
  EXPECT_EQ(m.sym(*t->find("X")).dir_dep, m.sym(*t->find("Y")).dir_dep);
}

TEST(ModelCodec, EveryTruncationIsRejected) {
  auto trees = golden_trees();
  ASSERT_FALSE(trees.empty());
  std::string bytes = encode(trees.front().tree->model());
  for (size_t len = 0; len < bytes.size(); ++len) {
    ByteReader r(std::string_view(bytes).substr(0, len));
    EXPECT_THROW(decode_model(r), CorruptData) << "prefix of " << len << " bytes";
  }
}

TEST(ModelCodec, HugeCountsAreRejectedBeforeAllocating) {
  auto t = testing::tree_of("config A\n\tbool \"a\"\n");
  std::string bytes = encode(t->model());
  // dialect (1 byte), modules_sym (4), then the file count.
  for (size_t at : {size_t{5}}) {
    std::string bad = bytes;
    for (size_t i = 0; i < 4; ++i) bad[at + i] = '\xff';
    ByteReader r(bad);
    EXPECT_THROW(decode_model(r), CorruptData);
  }
  ByteReader empty("");
  EXPECT_THROW(empty.count(1), CorruptData);
  std::string four(4, '\xff');
  ByteReader r4(four);
  EXPECT_THROW(r4.count(4), CorruptData);
}

// Finds `node` in the encoded pool: the expression section is the only
// place its 9 bytes (kind, left, right) appear in this small model.
size_t find_node(const std::string& bytes, const ExprNode& n) {
  ByteWriter w;
  w.u8(static_cast<uint8_t>(n.kind));
  w.u32(n.left);
  w.u32(n.right);
  size_t at = bytes.find(w.data());
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(bytes.find(w.data(), at + 1), std::string::npos) << "node bytes not unique";
  return at;
}

TEST(ModelCodec, CyclesAndDanglingIdsAreRejected) {
  auto t = testing::tree_of(
      "config A\n\tbool \"a\"\n\tdepends on !B && C\n"
      "config B\n\tbool \"b\"\nconfig C\n\tbool \"c\"\n");
  const Model& m = t->model();
  std::string bytes = encode(m);
  ExprId and_node = m.sym(*t->find("A")).dir_dep;
  ASSERT_EQ(m.exprs[and_node].kind, ExprKind::And);
  size_t at = find_node(bytes, m.exprs[and_node]);

  auto with_left = [&](uint32_t left) {
    std::string bad = bytes;
    ByteWriter w;
    w.u32(left);
    bad.replace(at + 1, 4, w.data());
    return bad;
  };
  // An operand that refers to its own node, or to one after it (a cycle
  // is possible only then), or outside the pool.
  for (uint32_t left : {and_node, and_node + 1, 1000000u, kNone}) {
    std::string bad = with_left(left);
    ByteReader r(bad);
    EXPECT_THROW(decode_model(r), CorruptData) << left;
  }
}

TEST(ModelCodec, RandomDamageNeverCrashes) {
  auto trees = golden_trees();
  ASSERT_FALSE(trees.empty());
  std::mt19937 rng(20);
  int rejected = 0, accepted = 0;
  for (const TestTree& t : trees) {
    std::string bytes = encode(t.tree->model());
    for (int round = 0; round < 150; ++round) {
      std::string bad = bytes;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < edits; ++i) {
        size_t pos = rng() % bad.size();
        switch (rng() % 4) {
          case 0: bad[pos] = static_cast<char>(rng()); break;                      // change a byte
          case 1: bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8))); break;  // flip a bit
          case 2: bad.erase(pos, 1 + rng() % 8); break;                            // drop bytes
          case 3: bad.insert(pos, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
        }
        if (bad.empty()) bad = "x";
      }
      std::shared_ptr<const Model> m;
      try {
        m = decode(bad);
      } catch (const CorruptData&) {
        ++rejected;
        continue;
      }
      // What passes the checks must evaluate: no crash, no hang.
      ++accepted;
      outputs(m, t.input);
    }
  }
  EXPECT_GT(rejected, 0);
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace tailor::kconfig
