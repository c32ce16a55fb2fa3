// Kconfig tokenizer (see lexer.h). The rules follow the reference lexer's:
// longest match, keywords only as whole words, '#' comments, backslash-newline
// continuation, quoted strings with backslash escapes, help text measured by
// indentation (tabs to multiples of 8).
#include "kconfig-analyzer/kconfig/lexer.h"

#include <cctype>
#include <utility>

namespace tailor::kconfig {

namespace {

struct Keyword {
  std::string_view word;
  Tok tok;
};

constexpr Keyword kKeywords[] = {
    {"bool", Tok::Bool},
    {"choice", Tok::Choice},
    {"comment", Tok::Comment},
    {"config", Tok::Config},
    {"def_bool", Tok::DefBool},
    {"def_tristate", Tok::DefTristate},
    {"default", Tok::Default},
    {"depends", Tok::Depends},
    {"endchoice", Tok::EndChoice},
    {"endif", Tok::EndIf},
    {"endmenu", Tok::EndMenu},
    {"help", Tok::Help},
    {"hex", Tok::Hex},
    {"if", Tok::If},
    {"imply", Tok::Imply},
    {"int", Tok::Int},
    {"mainmenu", Tok::MainMenu},
    {"menu", Tok::Menu},
    {"menuconfig", Tok::MenuConfig},
    {"modules", Tok::Modules},
    {"on", Tok::On},
    {"optional", Tok::Optional},
    {"prompt", Tok::Prompt},
    {"range", Tok::Range},
    {"select", Tok::Select},
    {"source", Tok::Source},
    {"string", Tok::String},
    {"tristate", Tok::Tristate},
    {"visible", Tok::Visible},
};

bool is_word_char(int c) { return c >= 0 && (std::isalnum(c) || c == '_' || c == '-'); }
bool is_blank(int c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string_view tok_name(Tok t) {
  switch (t) {
    case Tok::End: return "end of file";
    case Tok::Eol: return "end of line";
    case Tok::HelpText: return "help text";
    case Tok::Word: return "a symbol or word";
    case Tok::WordQuote: return "a quoted string";
    case Tok::AssignVal: return "a value";
    case Tok::Or: return "'||'";
    case Tok::And: return "'&&'";
    case Tok::Equal: return "'='";
    case Tok::Unequal: return "'!='";
    case Tok::Less: return "'<'";
    case Tok::LessEqual: return "'<='";
    case Tok::Greater: return "'>'";
    case Tok::GreaterEqual: return "'>='";
    case Tok::Not: return "'!'";
    case Tok::OpenParen: return "'('";
    case Tok::CloseParen: return "')'";
    case Tok::ColonEqual: return "':='";
    case Tok::PlusEqual: return "'+='";
    default:
      for (const auto& k : kKeywords)
        if (k.tok == t) return k.word;
      return "?";
  }
}

void Lexer::push_file(std::string name, std::string content, FileId id) {
  Frame f;
  f.name = std::move(name);
  f.id = id;
  f.content = std::move(content);
  frames_.push_back(std::move(f));
}

bool Lexer::in_file(std::string_view name) const {
  for (const auto& f : frames_)
    if (f.name == name) return true;
  return false;
}

std::vector<std::string> Lexer::include_chain() const {
  std::vector<std::string> out;
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) out.push_back(it->name + ":" + std::to_string(it->line));
  return out;
}

const std::string& Lexer::current_file_name() const {
  static const std::string none = "<none>";
  return frames_.empty() ? none : frames_.back().name;
}

int Lexer::current_line() const { return frames_.empty() ? 0 : frames_.back().line; }

int Lexer::at(size_t k) const {
  const Frame& f = frames_.back();
  size_t pending = f.pushback.size() - f.pb;
  if (k < pending) return static_cast<unsigned char>(f.pushback[f.pb + k]);
  size_t i = f.pos + (k - pending);
  return i < f.content.size() ? static_cast<unsigned char>(f.content[i]) : -1;
}

void Lexer::skip(size_t n) {
  Frame& f = frames_.back();
  while (n > 0) {
    if (f.pb < f.pushback.size()) {
      if (f.pushback[f.pb] == '\n') ++f.line;
      ++f.pb;
    } else {
      if (f.pos >= f.content.size()) return;
      if (f.content[f.pos] == '\n') ++f.line;
      ++f.pos;
    }
    --n;
  }
}

std::string Lexer::take_line() {
  std::string out;
  for (int c; (c = at(0)) != -1 && c != '\n'; skip(1)) out += static_cast<char>(c);
  return out;
}

void Lexer::unput(std::string s) {
  Frame& f = frames_.back();
  f.pushback = std::move(s) + f.pushback.substr(f.pb);
  f.pb = 0;
}

void Lexer::sync_context() { pp_.set_context({current_file_name(), current_line()}); }

Token Lexer::make(Tok k, std::string text) const { return Token{k, std::move(text), tok_line_}; }

Token Lexer::next() {
  for (;;) {
    Token t = next_raw();
    if (prev_ == Tok::Eol || prev_ == Tok::HelpText) {
      if (t.kind == Tok::Eol) continue;  // blank lines between statements
      stmt_line_ = current_line();
      if (!frames_.empty()) {
        stmt_file_ = frames_.back().id;
        stmt_file_name_ = frames_.back().name;
      }
    }
    if (prev_prev_ == Tok::Eol && prev_ == Tok::Word &&
        (t.kind == Tok::Equal || t.kind == Tok::ColonEqual || t.kind == Tok::PlusEqual))
      assign_mode_ = true;
    prev_prev_ = prev_;
    prev_ = t.kind;
    return t;
  }
}

Token Lexer::next_raw() {
  for (;;) {
    if (frames_.empty()) return Token{Tok::End, {}, 0};
    tok_line_ = current_line();
    int c = at(0);
    if (c == -1) {
      if (assign_mode_) assign_mode_ = false;
      if (prev_ != Tok::Eol && prev_ != Tok::HelpText)
        diag_.warn(current_file_name() + ":" + std::to_string(current_line()) + ":warning: no new line at end of file");
      frames_.pop_back();
      return Token{Tok::Eol, {}, current_line()};
    }
    if (assign_mode_) {
      if (c == '\n') {
        skip(1);
        assign_mode_ = false;
        return make(Tok::Eol);
      }
      if (is_blank(c)) {
        skip(1);
        continue;
      }
      std::string value = take_line();
      return make(Tok::AssignVal, std::move(value));
    }
    switch (c) {
      case '#':
        while (at(0) != -1 && at(0) != '\n') skip(1);
        continue;
      case ' ':
      case '\t': skip(1); continue;
      case '\\':
        if (at(1) == '\n') {
          skip(2);
          continue;
        }
        break;
      case '\n': skip(1); return make(Tok::Eol);
      case '"':
      case '\'': skip(1); return scan_string(static_cast<char>(c));
      case '|':
        if (at(1) == '|') { skip(2); return make(Tok::Or); }
        break;
      case '&':
        if (at(1) == '&') { skip(2); return make(Tok::And); }
        break;
      case '=': skip(1); return make(Tok::Equal);
      case '!':
        if (at(1) == '=') { skip(2); return make(Tok::Unequal); }
        skip(1);
        return make(Tok::Not);
      case '<':
        if (at(1) == '=') { skip(2); return make(Tok::LessEqual); }
        skip(1);
        return make(Tok::Less);
      case '>':
        if (at(1) == '=') { skip(2); return make(Tok::GreaterEqual); }
        skip(1);
        return make(Tok::Greater);
      case '(': skip(1); return make(Tok::OpenParen);
      case ')': skip(1); return make(Tok::CloseParen);
      case ':':
        if (at(1) == '=') { skip(2); return make(Tok::ColonEqual); }
        break;
      case '+':
        if (at(1) == '=') { skip(2); return make(Tok::PlusEqual); }
        break;
      default:
        if (is_word_char(c) || c == '$') {
          Token t = scan_word();
          if (t.kind == Tok::Eol) continue;  // a word that expanded to nothing
          return t;
        }
        break;
    }
    diag_.warn(current_file_name() + ":" + std::to_string(current_line()) +
               ":warning: ignoring unsupported character '" + std::string(1, static_cast<char>(c)) + "'");
    skip(1);
  }
}

Token Lexer::scan_word() {
  size_t n = 0;
  bool has_dollar = false;
  for (int c; (c = at(n)), is_word_char(c) || c == '$'; ++n) has_dollar |= (c == '$');
  if (!has_dollar) {
    std::string word;
    for (size_t i = 0; i < n; ++i) word += static_cast<char>(at(i));
    skip(n);
    for (const auto& k : kKeywords)
      if (k.word == word && !(k.tok == Tok::Optional && dialect_ == Dialect::Modern)) return make(k.tok);
    return make(Tok::Word, std::move(word));
  }
  // A word with references: expand from here to the first character that
  // cannot continue a word, and give the rest of the line back.
  std::string line = take_line();
  sync_context();
  std::string_view rest = line;
  std::string expanded = pp_.expand_one_token(rest);
  unput(std::string(rest));
  if (expanded.empty()) return Token{Tok::Eol, {}, 0};  // caller skips it
  return make(Tok::Word, std::move(expanded));
}

Token Lexer::scan_string(char quote) {
  std::string text;
  for (;;) {
    int c = at(0);
    if (c == -1) return make(Tok::WordQuote, std::move(text));
    if (c == '$') {
      skip(1);
      std::string line = take_line();
      sync_context();
      std::string_view rest = line;
      text += pp_.expand_dollar(rest);
      unput(std::string(rest));
      continue;
    }
    if (c == '\\') {
      skip(1);
      int e = at(0);
      if (e != -1 && e != '\n') {
        text += static_cast<char>(e);
        skip(1);
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      skip(1);
      if (c == quote) return make(Tok::WordQuote, std::move(text));
      text += static_cast<char>(c);
      continue;
    }
    if (c == '\n') {
      diag_.warn(stmt_file_name_ + ":" + std::to_string(stmt_line_) + ":warning: multi-line strings not supported");
      return make(Tok::WordQuote, std::move(text));
    }
    text += static_cast<char>(c);
    skip(1);
  }
}

Token Lexer::read_help() {
  tok_line_ = current_line();
  std::string text;
  int last_ts = 0, first_ts = 0;
  auto done = [&] {
    Token t = make(Tok::HelpText, std::move(text));
    prev_prev_ = prev_;
    prev_ = Tok::HelpText;
    return t;
  };
  for (;;) {
    if (frames_.empty() || at(0) == -1) return done();
    size_t blanks = 0;
    while (is_blank(at(blanks))) ++blanks;
    int after = at(blanks);
    if (after == '\n') {
      int next = at(blanks + 1);
      bool text_follows = next != -1 && next != ' ' && next != '\t' && next != '\n';
      skip(blanks + 1);
      if (text_follows) return done();  // a line back at column 0 ends the text
      text += '\n';
      continue;
    }
    if (blanks > 0) {
      int ts = 0;
      for (size_t i = 0; i < blanks; ++i) ts = at(i) == '\t' ? (ts & ~7) + 8 : ts + 1;
      skip(blanks);
      last_ts = ts;
      if (first_ts) {
        if (ts < first_ts) return done();  // less indented than the first line: the text is over
        ts -= first_ts;
        while (ts > 8) {
          text.append(8, ' ');
          ts -= 8;
        }
        text.append(static_cast<size_t>(ts), ' ');
      }
      if (after == -1) continue;
    }
    std::string line = take_line();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    text += line;
    if (!first_ts) first_ts = last_ts;
  }
}

}  // namespace tailor::kconfig
