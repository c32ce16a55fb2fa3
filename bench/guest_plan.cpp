#include "bench/guest_plan.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace tailor::bench {
namespace {

// The text after "key=" up to the next space in `line`, or nullopt.
std::optional<std::string> field(std::string_view line, std::string_view key) {
  const std::string needle = std::string(key) + "=";
  for (size_t at = line.find(needle); at != std::string_view::npos; at = line.find(needle, at + 1)) {
    if (at > 0 && line[at - 1] != ' ') continue;
    size_t start = at + needle.size(), end = line.find(' ', start);
    return std::string(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  }
  return std::nullopt;
}

std::optional<double> number(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0') return std::nullopt;
  return v;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string plan_argument(const std::vector<PlanStep>& steps) {
  std::string out;
  for (const auto& s : steps) out += (out.empty() ? "" : ",") + s.text();
  return out;
}

std::vector<std::vector<PlanStep>> batch_steps(const std::vector<PlanStep>& steps, std::size_t max_chars) {
  std::vector<std::vector<PlanStep>> batches;
  std::size_t length = 0;
  for (const auto& s : steps) {
    const std::size_t add = s.text().size() + 1;
    if (batches.empty() || length + add > max_chars) {
      batches.emplace_back();
      length = 0;
    }
    batches.back().push_back(s);
    length += add;
  }
  return batches;
}

void ConsoleSteps::feed(std::string_view chunk) {
  for (char c : chunk) {
    if (c == '\n') {
      line(std::move(partial_));
      partial_.clear();
    } else if (c != '\r') {
      partial_ += c;
    }
  }
}

std::string ConsoleSteps::tail(std::size_t lines) const {
  std::string out;
  const std::size_t from = recent_.size() > lines ? recent_.size() - lines : 0;
  for (std::size_t i = from; i < recent_.size(); ++i) out += recent_[i] + "\n";
  if (!partial_.empty()) out += partial_ + "\n";
  return out;
}

void ConsoleSteps::line(std::string text) {
  recent_.push_back(text);
  if (recent_.size() > 64) recent_.erase(recent_.begin());
  // Framing lines may follow other output on the same console line (a kernel
  // message without a newline): look for the marker anywhere.
  const size_t at = text.find("tailor-bench step=");
  if (at != std::string::npos) {
    std::string_view rest = std::string_view(text).substr(at);
    auto index = number(field(rest, "step"));
    if (index && rest.find(" begin ") != std::string_view::npos) {
      StepOutput s;
      s.index = static_cast<int>(*index);
      s.step = std::string(rest.substr(rest.find(" begin ") + 7));
      current_ = std::move(s);
      return;
    }
    auto status = number(field(rest, "status"));
    if (index && status && rest.find(" end ") != std::string_view::npos && current_ &&
        current_->index == static_cast<int>(*index)) {
      current_->status = static_cast<int>(*status);
      StepOutput done = std::move(*current_);
      current_.reset();
      on_step_(done);
      return;
    }
  }
  if (text.find("tailor-bench plan done") != std::string::npos) {
    done_ = true;
    return;
  }
  if (current_) current_->text += (current_->text.empty() ? "" : "\n") + text;
}

std::optional<double> step_value(const PlanStep& step, const StepOutput& out, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<double> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (out.status != 0) {
    auto lines = lines_of(out.text);
    std::string last = lines.empty() ? std::string("no output") : lines.back();
    return fail(fmt::format("step {} failed in the guest (status {}): {}", step.text(), out.status, last));
  }
  for (const auto& l : lines_of(out.text)) {
    if (step.kind == "futex" || step.kind == "sem" || step.kind == "make") {
      if (l.find("tailor-bench workload=" + step.kind + " ") == std::string::npos) continue;
      if (auto v = number(field(l, "value"))) return v;
    } else if (step.kind == "null") {
      if (l.find("NULLSYS ") == std::string::npos) continue;
      auto ns = number(field(l, "median_ns"));
      auto cpl = field(l, "cpl");
      if (!ns) continue;
      const std::string want = step.arg.rfind("trusted", 0) == 0 ? "0" : "3";
      if (cpl != want)
        return fail(fmt::format("step {} ran at CPL {} instead of CPL {} (is the kernel a KML kernel?)", step.text(),
                                cpl.value_or("?"), want));
      return ns;
    } else if (step.kind == "redis") {
      // redis-benchmark --csv: "SET","81300.81","0.331",...
      const std::string head = "\"" + lower(step.arg) + "\",\"";
      const std::string row = lower(l);
      const size_t at = row.find(head);
      if (at == std::string::npos) continue;
      const size_t start = at + head.size(), end = l.find('"', start);
      if (end == std::string::npos) continue;
      if (auto v = number(l.substr(start, end - start))) return v;
    }
  }
  return fail(fmt::format("step {} printed no result", step.text()));
}

}  // namespace tailor::bench
