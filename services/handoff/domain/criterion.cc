#include "services/handoff/domain/criterion.h"

#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace flywheel::handoff {

struct Criterion::Node {
  enum class Kind { kNumber, kName, kNegate, kAdd, kSubtract, kMultiply, kDivide, kCompare, kAnd };
  Kind kind;
  double number = 0;
  std::string name;
  std::string op;  // comparison operator
  std::shared_ptr<const Node> left, right;
};

namespace {

using Node = Criterion::Node;
using NodePtr = std::shared_ptr<const Node>;

struct Token {
  enum class Kind { kNumber, kName, kOperator, kOpen, kClose, kEnd };
  Kind kind;
  std::string text;
  size_t position;
};

class Parser {
 public:
  Parser(absl::string_view text, absl::string_view field) : text_(text), field_(field) {}

  absl::StatusOr<NodePtr> Run(std::set<std::string>* names) {
    names_ = names;
    if (absl::Status s = Tokenize(); !s.ok()) return s;
    auto root = Criterion();
    if (!root.ok()) return root;
    if (Peek().kind != Token::Kind::kEnd) return Error(Peek().position, "expected \"and\" or the end");
    return root;
  }

 private:
  absl::Status Error(size_t position, absl::string_view what) {
    return InvalidFieldError(std::string(field_), absl::StrCat("at position ", position, ": ", what));
  }

  absl::Status Tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (absl::ascii_isspace(c)) {
        ++i;
      } else if (absl::ascii_isdigit(c) || (c == '.' && i + 1 < text_.size() && absl::ascii_isdigit(text_[i + 1]))) {
        size_t start = i;
        while (i < text_.size() && (absl::ascii_isdigit(text_[i]) || text_[i] == '.')) ++i;
        tokens_.push_back({Token::Kind::kNumber, std::string(text_.substr(start, i - start)), start});
      } else if (absl::ascii_islower(c) || c == '_') {
        size_t start = i;
        while (i < text_.size() && (absl::ascii_islower(text_[i]) || absl::ascii_isdigit(text_[i]) || text_[i] == '_' ||
                                    (text_[i] == '.' && i + 1 < text_.size() &&
                                     (absl::ascii_islower(text_[i + 1]) || absl::ascii_isdigit(text_[i + 1]) ||
                                      text_[i + 1] == '_')))) {
          ++i;
        }
        tokens_.push_back({Token::Kind::kName, std::string(text_.substr(start, i - start)), start});
      } else if (c == '(' || c == ')') {
        tokens_.push_back({c == '(' ? Token::Kind::kOpen : Token::Kind::kClose, std::string(1, c), i});
        ++i;
      } else if (c == '>' || c == '<' || c == '=' || c == '!') {
        bool two = i + 1 < text_.size() && text_[i + 1] == '=';
        std::string op(text_.substr(i, two ? 2 : 1));
        if (op == "=" || op == "!") return Error(i, "expected a comparison (>=, >, <=, <, ==, !=)");
        tokens_.push_back({Token::Kind::kOperator, op, i});
        i += op.size();
      } else if (c == '+' || c == '-' || c == '*' || c == '/') {
        tokens_.push_back({Token::Kind::kOperator, std::string(1, c), i});
        ++i;
      } else {
        return Error(i, absl::StrCat("unexpected character '", std::string(1, c), "'"));
      }
    }
    tokens_.push_back({Token::Kind::kEnd, "", text_.size()});
    return absl::OkStatus();
  }

  const Token& Peek() const { return tokens_[next_]; }
  const Token& Take() { return tokens_[next_++]; }
  bool IsOperator(absl::string_view op) const {
    return Peek().kind == Token::Kind::kOperator && Peek().text == op;
  }

  absl::StatusOr<NodePtr> Criterion() {
    auto left = Comparison();
    if (!left.ok()) return left;
    NodePtr node = *left;
    while (Peek().kind == Token::Kind::kName && Peek().text == "and") {
      Take();
      auto right = Comparison();
      if (!right.ok()) return right;
      node = std::make_shared<Node>(Node{Node::Kind::kAnd, 0, "", "", node, *right});
    }
    return node;
  }

  absl::StatusOr<NodePtr> Comparison() {
    auto left = Sum();
    if (!left.ok()) return left;
    static const std::set<std::string> kComparisons = {">=", ">", "<=", "<", "==", "!="};
    if (Peek().kind != Token::Kind::kOperator || !kComparisons.count(Peek().text)) {
      return Error(Peek().position, "expected a comparison (>=, >, <=, <, ==, !=)");
    }
    std::string op = Take().text;
    auto right = Sum();
    if (!right.ok()) return right;
    return std::make_shared<Node>(Node{Node::Kind::kCompare, 0, "", op, *left, *right});
  }

  absl::StatusOr<NodePtr> Sum() {
    auto left = Product();
    if (!left.ok()) return left;
    NodePtr node = *left;
    while (IsOperator("+") || IsOperator("-")) {
      Node::Kind kind = Take().text == "+" ? Node::Kind::kAdd : Node::Kind::kSubtract;
      auto right = Product();
      if (!right.ok()) return right;
      node = std::make_shared<Node>(Node{kind, 0, "", "", node, *right});
    }
    return node;
  }

  absl::StatusOr<NodePtr> Product() {
    auto left = Factor();
    if (!left.ok()) return left;
    NodePtr node = *left;
    while (IsOperator("*") || IsOperator("/")) {
      Node::Kind kind = Take().text == "*" ? Node::Kind::kMultiply : Node::Kind::kDivide;
      auto right = Factor();
      if (!right.ok()) return right;
      node = std::make_shared<Node>(Node{kind, 0, "", "", node, *right});
    }
    return node;
  }

  absl::StatusOr<NodePtr> Factor() {
    if (++depth_ > 32) return Error(Peek().position, "nested too deeply");
    const Token& t = Peek();
    absl::StatusOr<NodePtr> result;
    if (t.kind == Token::Kind::kNumber) {
      double value = 0;
      if (!absl::SimpleAtod(t.text, &value) || !std::isfinite(value)) return Error(t.position, "is not a number");
      Take();
      result = std::make_shared<Node>(Node{Node::Kind::kNumber, value});
    } else if (t.kind == Token::Kind::kName && t.text != "and") {
      names_->insert(t.text);
      result = std::make_shared<Node>(Node{Node::Kind::kName, 0, Take().text});
    } else if (t.kind == Token::Kind::kOpen) {
      Take();
      auto inner = Sum();
      if (!inner.ok()) return inner;
      if (Peek().kind != Token::Kind::kClose) return Error(Peek().position, "expected ')'");
      Take();
      result = inner;
    } else if (IsOperator("-")) {
      Take();
      auto inner = Factor();
      if (!inner.ok()) return inner;
      result = std::make_shared<Node>(Node{Node::Kind::kNegate, 0, "", "", *inner});
    } else {
      return Error(t.position, t.kind == Token::Kind::kEnd ? "expected a number, a name or '(' but the text ended"
                                                           : "expected a number, a name or '('");
    }
    --depth_;
    return result;
  }

  absl::string_view text_;
  absl::string_view field_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
  std::set<std::string>* names_ = nullptr;
};

std::optional<double> Value(const Node& n, const std::map<std::string, double>& values) {
  switch (n.kind) {
    case Node::Kind::kNumber: return n.number;
    case Node::Kind::kName: {
      auto it = values.find(n.name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    }
    case Node::Kind::kNegate: {
      auto v = Value(*n.left, values);
      if (!v) return std::nullopt;
      return -*v;
    }
    default: break;
  }
  auto l = Value(*n.left, values), r = Value(*n.right, values);
  if (!l || !r) return std::nullopt;
  switch (n.kind) {
    case Node::Kind::kAdd: return *l + *r;
    case Node::Kind::kSubtract: return *l - *r;
    case Node::Kind::kMultiply: return *l * *r;
    case Node::Kind::kDivide:
      if (*r == 0) return std::nullopt;
      return *l / *r;
    default: return std::nullopt;
  }
}

std::optional<bool> Truth(const Node& n, const std::map<std::string, double>& values) {
  if (n.kind == Node::Kind::kAnd) {
    auto l = Truth(*n.left, values), r = Truth(*n.right, values);
    if (l == false || r == false) return false;
    if (!l || !r) return std::nullopt;
    return true;
  }
  auto l = Value(*n.left, values), r = Value(*n.right, values);
  if (!l || !r) return std::nullopt;
  if (n.op == ">=") return *l >= *r;
  if (n.op == ">") return *l > *r;
  if (n.op == "<=") return *l <= *r;
  if (n.op == "<") return *l < *r;
  if (n.op == "==") return *l == *r;
  return *l != *r;
}

}  // namespace

absl::StatusOr<Criterion> Criterion::Parse(absl::string_view text, absl::string_view field) {
  if (text.size() > kMaxCriterionLength) {
    return InvalidFieldError(std::string(field), absl::StrCat("must be at most ", kMaxCriterionLength, " bytes"));
  }
  Criterion c;
  Parser parser(text, field);
  auto root = parser.Run(&c.names_);
  if (!root.ok()) return root.status();
  c.root_ = *root;
  c.text_ = std::string(text);
  return c;
}

std::optional<bool> Criterion::Holds(const std::map<std::string, double>& values) const {
  return Truth(*root_, values);
}

}  // namespace flywheel::handoff
