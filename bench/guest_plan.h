// The guest side of a study, seen from the host: the steps a boot runs (carried
// on the kernel command line as tailor.plan=..., read by bench/guest/smpbench.c
// `plan`), and the parser that turns the guest's console into one result per
// step, as the console streams in.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::bench {

// One step: KIND:ARG in the guest ("futex:16", "null:trusted-call",
// "redis:set"), and the measurement (Measurement::id()) its sample belongs to.
struct PlanStep {
  std::string kind;
  std::string arg;
  std::string measurement;
  std::string text() const { return kind + ":" + arg; }
};

// "futex:1,sem:4,make:2": the value of tailor.plan=.
std::string plan_argument(const std::vector<PlanStep>& steps);

// Splits `steps` (in order) into batches whose plan argument is at most
// `max_chars` long (the kernel command line is limited to 2048 bytes on
// x86), one boot each.
std::vector<std::vector<PlanStep>> batch_steps(const std::vector<PlanStep>& steps, std::size_t max_chars);

// A finished step as the guest reported it.
struct StepOutput {
  int index = 0;          // position in the boot's plan
  std::string step;       // "futex:16", as the guest echoed it
  int status = 0;         // the step's exit status (0: ran fine)
  std::string text;       // the step's own output lines, '\n'-joined
};

// Feeds console bytes (any chunking) and calls `on_step` as each step ends.
class ConsoleSteps {
 public:
  explicit ConsoleSteps(std::function<void(const StepOutput&)> on_step) : on_step_(std::move(on_step)) {}
  void feed(std::string_view chunk);
  bool plan_done() const { return done_; }
  // The step that began and has not ended (-1: none).
  int running() const { return current_ ? current_->index : -1; }
  // The last console lines seen (for error messages), newest last.
  std::string tail(std::size_t lines) const;

 private:
  void line(std::string text);
  std::function<void(const StepOutput&)> on_step_;
  std::string partial_;
  std::optional<StepOutput> current_;
  std::vector<std::string> recent_;
  bool done_ = false;
};

// The sample a step produced, by its kind: futex/sem (hand-offs per second),
// make (seconds), null (ns per call, checked against the CPL the mode must
// run at), redis (requests per second). nullopt with `why` set when the
// output holds no valid result.
std::optional<double> step_value(const PlanStep& step, const StepOutput& out, std::string* why);

}  // namespace tailor::bench
