// The expression grammar (Boost.Spirit X3) and its conversion to the flat Ast.
// This is the only translation unit that includes X3: it is the slowest file to compile.

#include "expr/parse.hpp"

#include <boost/fusion/include/adapt_struct.hpp>
#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include <array>
#include <string>
#include <vector>

namespace admit::internal::expr {
namespace x3 = boost::spirit::x3;

// ---------------------------------------------------------------------------------------------
// The parser's own tree (X3 attributes). Converted to the flat Ast right after parsing.
namespace syntax {

struct Spanned {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct Literal;
struct Name;
struct ListLit;
struct Prefix;
struct Chain;
struct IfExpr;
struct MatchExpr;
struct Call;
struct Quantifier;

struct Operand : x3::variant<x3::forward_ast<Literal>, x3::forward_ast<Name>, x3::forward_ast<ListLit>,
                             x3::forward_ast<Prefix>, x3::forward_ast<Chain>, x3::forward_ast<IfExpr>,
                             x3::forward_ast<MatchExpr>, x3::forward_ast<Call>,
                             x3::forward_ast<Quantifier>> {
  using base_type::base_type;
  using base_type::operator=;
};

enum class LitKind : std::uint8_t { integer, decimal, string, date, boolean_true, boolean_false };

struct Literal : Spanned {
  LitKind kind{};
  std::string text;
};

struct Name : Spanned {
  std::string text;
};

struct OpOperand {
  int op = 0;
  Operand operand;
};

// A left-associative chain at one precedence level: first (op operand)*.
struct Chain : Spanned {
  Operand first;
  std::vector<OpOperand> rest;
};

struct ListLit : Spanned {
  std::vector<Chain> elements;
};

struct Prefix : Spanned {
  int op = 0;
  Operand operand;
};

struct IfExpr : Spanned {
  Chain condition;
  Chain then_branch;
  Chain else_branch;
};

struct Arm : Spanned {
  std::vector<Chain> patterns;
  Chain value;
};

struct MatchExpr : Spanned {
  Chain subject;
  std::vector<Arm> arms;
};

struct Call : Spanned {
  std::string name;
  std::vector<Chain> args;
};

struct Quantifier : Spanned {
  std::string kind;
  std::string var;
  Chain list;
  boost::optional<Chain> where;
  Chain body;
  boost::optional<Chain> fallback;
};

}  // namespace syntax
}  // namespace admit::internal::expr

BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Literal, kind, text)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::OpOperand, op, operand)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Chain, first, rest)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Prefix, op, operand)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::IfExpr, condition, then_branch, else_branch)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Arm, patterns, value)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::MatchExpr, subject, arms)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Call, name, args)
BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::syntax::Quantifier, kind, var, list, where, body, fallback)

namespace admit::internal::expr {
namespace {

using Iterator = std::string_view::const_iterator;

// ---------------------------------------------------------------------------------------------
// Parse-time context: where the text starts (for spans) and how deep we are.

struct ParseState {
  Iterator base;
  Iterator last;
  std::uint32_t depth = 0;
  std::uint32_t max_depth = 64;
  Iterator too_deep_at;
};
struct state_tag;
struct TooDeep {};

template <typename T>
struct is_forward_ast : std::false_type {};
template <typename T>
struct is_forward_ast<x3::forward_ast<T>> : std::true_type {};

struct annotate_span {
  template <typename It, typename Attr, typename Ctx>
  void on_success(It const& first, It const& last, Attr& attr, Ctx const& ctx) const {
    if constexpr (is_forward_ast<Attr>::value) {
      on_success(first, last, attr.get(), ctx);
    } else if constexpr (std::is_base_of_v<syntax::Spanned, Attr>) {
      const ParseState& state = x3::get<state_tag>(ctx).get();
      It begin = first;
      while (begin != last && (*begin == ' ' || *begin == '\t' || *begin == '\n' || *begin == '\r')) ++begin;
      attr.begin = static_cast<std::uint32_t>(begin - state.base);
      attr.end = static_cast<std::uint32_t>(last - state.base);
    }
  }
};

// Bounds recursion so that hostile input is a diagnostic, not a stack overflow.
template <typename Subject>
struct depth_guard_parser : x3::unary_parser<Subject, depth_guard_parser<Subject>> {
  using base_type = x3::unary_parser<Subject, depth_guard_parser<Subject>>;
  using attribute_type = typename Subject::attribute_type;
  static bool const has_attribute = true;
  static bool const handles_container = Subject::handles_container;
  constexpr explicit depth_guard_parser(Subject const& subject) : base_type(subject) {}

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    ParseState& state = x3::get<state_tag>(ctx).get();
    if (state.depth >= state.max_depth) {
      state.too_deep_at = first;
      throw TooDeep{};
    }
    ++state.depth;
    bool ok = this->subject.parse(first, last, ctx, rctx, attr);
    --state.depth;
    return ok;
  }
};

struct depth_guard_gen {
  template <typename Subject>
  constexpr depth_guard_parser<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return depth_guard_parser<typename x3::extension::as_parser<Subject>::value_type>{x3::as_parser(subject)};
  }
};
constexpr depth_guard_gen guarded{};

// ---------------------------------------------------------------------------------------------
// Grammar.

const std::array<std::string_view, 11> kKeywords = {"and", "or",   "not",   "in",   "if",   "then",
                                                     "else", "match", "where", "true", "false"};

// Character classes as explicit sets: X3's classifiers assert on bytes above 0x7F (UTF-8).
const auto digit_char = x3::char_('0', '9');
const auto alpha_char = x3::char_("a-zA-Z");
const auto alnum_char = x3::char_("a-zA-Z0-9");
const auto blank = x3::char_(" \t\r\n");

// A named rule, so that an expectation failure reports the keyword rather than a parser type.
auto kw(char const* word) {
  return x3::rule<struct keyword_id>{word} = x3::lexeme[x3::lit(word) >> !(alnum_char | x3::char_('_'))];
}

struct keyword_symbols : x3::symbols<x3::unused_type> {
  keyword_symbols() {
    for (auto k : kKeywords) add(std::string(k));
  }
};
const keyword_symbols keyword_table;

const auto identifier_raw = x3::rule<struct identifier_raw_id, std::string>{"name"} =
    x3::lexeme[(alpha_char | x3::char_('_')) >> *(alnum_char | x3::char_('_'))];
const auto reserved = x3::lexeme[keyword_table >> !(alnum_char | x3::char_('_'))];
const auto identifier = x3::rule<struct identifier_id, std::string>{"name"} = !reserved >> identifier_raw;

struct literal_id : annotate_span {};
struct name_id : annotate_span {};
struct list_id : annotate_span {};
struct prefix_not_id : annotate_span {};
struct prefix_neg_id : annotate_span {};
struct multiplicative_id : annotate_span {};
struct additive_id : annotate_span {};
struct comparison_id : annotate_span {};
struct conjunction_id : annotate_span {};
struct expression_id : annotate_span {};
struct if_id : annotate_span {};
struct arm_id : annotate_span {};
struct match_id : annotate_span {};
struct call_id : annotate_span {};
struct quant_id : annotate_span {};

const x3::rule<literal_id, syntax::Literal> literal = "literal";
const x3::rule<name_id, syntax::Name> name = "name";
const x3::rule<list_id, syntax::ListLit> list_literal = "list";
const x3::rule<prefix_not_id, syntax::Prefix> prefix_not = "`not` expression";
const x3::rule<prefix_neg_id, syntax::Prefix> prefix_neg = "negation";
const x3::rule<struct primary_id, syntax::Operand> primary = "a value";
const x3::rule<struct primary_inner_id, syntax::Operand> primary_inner = "a value";
const x3::rule<struct negation_inner_id, syntax::Operand> negation_guarded = "a value";
const x3::rule<struct not_level_inner_id, syntax::Operand> not_level_guarded = "a condition";
const x3::rule<struct negation_id, syntax::Operand> negation = "a value";
const x3::rule<multiplicative_id, syntax::Chain> multiplicative = "a value";
const x3::rule<additive_id, syntax::Chain> additive = "a value";
const x3::rule<comparison_id, syntax::Chain> comparison = "a value";
const x3::rule<struct not_level_id, syntax::Operand> not_level = "a condition";
const x3::rule<conjunction_id, syntax::Chain> conjunction = "a condition";
const x3::rule<expression_id, syntax::Chain> expression = "an expression";
const x3::rule<if_id, syntax::IfExpr> if_expr = "`if` expression";
const x3::rule<arm_id, syntax::Arm> match_arm = "match arm `pattern => value`";
const x3::rule<match_id, syntax::MatchExpr> match_expr = "`match` expression";
const x3::rule<call_id, syntax::Call> call = "function call";
const x3::rule<quant_id, syntax::Quantifier> quantifier = "quantifier";

const auto digits = x3::rule<struct digits_id, std::string>{"digits"} = x3::lexeme[+digit_char];
const auto date_text = x3::rule<struct date_text_id, std::string>{"date"} =
    x3::lexeme[x3::repeat(4)[digit_char] >> x3::char_('-') >> x3::repeat(2)[digit_char] >> x3::char_('-') >>
               x3::repeat(2)[digit_char] >> !(alnum_char | x3::char_('_'))];
const auto decimal_text = x3::rule<struct decimal_text_id, std::string>{"decimal"} =
    x3::lexeme[+digit_char >> x3::char_('.') >> +digit_char >> !(alpha_char | x3::char_('_'))];
const auto integer_text = x3::rule<struct integer_text_id, std::string>{"integer"} =
    x3::lexeme[+digit_char >> !(alpha_char | x3::char_('_') | x3::char_('.'))];

const auto escaped_char = (x3::lit('\\') >> (x3::char_('"') | x3::char_('\'') | x3::char_('\\'))) |
                          (x3::lit("\\n") >> x3::attr('\n')) | (x3::lit("\\t") >> x3::attr('\t'));
const auto double_quoted = x3::rule<struct dq_id, std::string>{"string"} =
    x3::lexeme['"' > *(escaped_char | (x3::char_ - '"' - '\\')) > '"'];
const auto single_quoted = x3::rule<struct sq_id, std::string>{"string"} =
    x3::lexeme['\'' > *(escaped_char | (x3::char_ - '\'' - '\\')) > '\''];

// Lookaheads pick the alternative first: X3 does not undo a string attribute on backtracking.
const auto date_shape = x3::lexeme[x3::repeat(4)[digit_char] >> '-' >> digit_char];
const auto decimal_shape = x3::lexeme[+digit_char >> '.' >> digit_char];
const auto literal_alternatives = (&date_shape >> date_text >> x3::attr(syntax::LitKind::date)) |
                         (&decimal_shape >> decimal_text >> x3::attr(syntax::LitKind::decimal)) |
                         (integer_text >> x3::attr(syntax::LitKind::integer)) |
                         ((double_quoted | single_quoted) >> x3::attr(syntax::LitKind::string)) |
                         (kw("true") >> x3::attr(std::string("true")) >> x3::attr(syntax::LitKind::boolean_true)) |
                         (kw("false") >> x3::attr(std::string("false")) >> x3::attr(syntax::LitKind::boolean_false));
// Literal is adapted as (kind, text) but the alternatives above produce (text, kind); swap via a rule.
struct LiteralParts {
  std::string text;
  syntax::LitKind kind{};
};
}  // namespace
}  // namespace admit::internal::expr

BOOST_FUSION_ADAPT_STRUCT(admit::internal::expr::LiteralParts, text, kind)

namespace admit::internal::expr {
namespace {

const auto literal_parts = x3::rule<struct literal_parts_id, LiteralParts>{"literal"} = literal_alternatives;
// Rules whose definition has a semantic action do not get on_success; they record their span here.
// `begin_span` runs first (on eps, at the rule's start), `record_span` when the rule has matched.
const auto begin_span = x3::eps[([](auto& ctx) {
  const ParseState& state = x3::get<state_tag>(ctx).get();
  auto pos = x3::_where(ctx).begin();
  while (pos != state.last && (*pos == ' ' || *pos == '\t' || *pos == '\n' || *pos == '\r')) ++pos;
  x3::_val(ctx).begin = static_cast<std::uint32_t>(pos - state.base);
})];
// eps sees the position after skipping whitespace; step back to the end of the token just parsed.
const auto end_span = x3::eps[([](auto& ctx) {
  const ParseState& state = x3::get<state_tag>(ctx).get();
  auto pos = x3::_where(ctx).begin();
  while (pos != state.base && (pos[-1] == ' ' || pos[-1] == '\t' || pos[-1] == '\n' || pos[-1] == '\r')) --pos;
  x3::_val(ctx).end = static_cast<std::uint32_t>(pos - state.base);
})];

const auto literal_def = begin_span >> literal_parts[([](auto& ctx) {
  auto& parts = x3::_attr(ctx);
  auto& out = x3::_val(ctx);
  out.kind = parts.kind;
  out.text = std::move(parts.text);
})] >> end_span;

const auto dotted_name = x3::rule<struct dotted_name_id, std::string>{"name"} =
    x3::lexeme[identifier_raw >> *(x3::char_('.') >> identifier_raw)];
const auto name_def = begin_span >> (!reserved >> dotted_name)[([](auto& ctx) {
  x3::_val(ctx).text = std::move(x3::_attr(ctx));
})] >> end_span;

const auto list_elements = x3::rule<struct list_elements_id, std::vector<syntax::Chain>>{"list"} =
    '[' > -(expression % ',') > -x3::lit(',') > ']';
const auto list_literal_def = begin_span >>
    list_elements[([](auto& ctx) {
          x3::_val(ctx).elements = std::move(x3::_attr(ctx));
    })] >> end_span;

const auto not_level_guarded_def = guarded[not_level];
const auto negation_guarded_def = guarded[negation];
const auto prefix_not_def = kw("not") >> x3::attr(static_cast<int>(UnaryOp::logical_not)) > not_level_guarded;
const auto prefix_neg_def = '-' >> x3::attr(static_cast<int>(UnaryOp::negate)) > negation_guarded;

const auto if_expr_def = kw("if") > expression > kw("then") > expression > kw("else") > expression;

const auto pattern = x3::rule<struct pattern_id, syntax::Chain>{"pattern"} = additive;
const auto match_arm_def = (pattern % '|') > "=>" > expression;
const auto match_expr_def = kw("match") > expression > '{' > (match_arm % ',') > -x3::lit(',') > '}';

const auto quantifier_kind = x3::rule<struct quantifier_kind_id, std::string>{"quantifier"} =
    x3::lexeme[(x3::string("any") | x3::string("all") | x3::string("count") | x3::string("sum") |
                x3::string("max") | x3::string("min")) >>
               !(alnum_char | x3::char_('_'))];
const auto quantifier_def = quantifier_kind >> '(' >> identifier >> kw("in") > expression >
                            -(kw("where") > expression) > ',' > expression > -(',' > expression) > ')';

const auto call_def = identifier >> '(' > -(expression % ',') > ')';

const auto primary_inner_def =
    quantifier | call | literal | name | list_literal | if_expr | match_expr | ('(' > expression > ')');
const auto primary_def = guarded[primary_inner];

const auto negation_def = prefix_neg | primary;

auto op_is(char const* text, BinaryOp op) { return x3::lit(text) >> x3::attr(static_cast<int>(op)); }
auto kw_is(char const* word, BinaryOp op) { return kw(word) >> x3::attr(static_cast<int>(op)); }

const auto multiplicative_op = x3::rule<struct mul_op_id, int>{"operator"} =
    op_is("*", BinaryOp::multiply) | op_is("/", BinaryOp::divide);
const auto additive_op = x3::rule<struct add_op_id, int>{"operator"} =
    op_is("+", BinaryOp::add) | (x3::lit('-') >> !x3::lit('>') >> x3::attr(static_cast<int>(BinaryOp::subtract)));
const auto comparison_op = x3::rule<struct cmp_op_id, int>{"comparison"} =
    op_is("==", BinaryOp::equal) | op_is("!=", BinaryOp::not_equal) | op_is("<=", BinaryOp::less_equal) |
    op_is(">=", BinaryOp::greater_equal) | (x3::lit('<') >> x3::attr(static_cast<int>(BinaryOp::less))) |
    (x3::lit('>') >> x3::attr(static_cast<int>(BinaryOp::greater))) | kw_is("in", BinaryOp::in) |
    (kw("not") >> kw("in") >> x3::attr(static_cast<int>(BinaryOp::not_in)));

const auto multiplicative_def = negation >> *(multiplicative_op > negation);
const auto additive_def = multiplicative >> *(additive_op > multiplicative);
const auto comparison_def = additive >> *(comparison_op > additive);
const auto not_level_def = prefix_not | comparison;
const auto conjunction_def = not_level >> *(kw_is("and", BinaryOp::logical_and) > not_level);
const auto expression_def = conjunction >> *(kw_is("or", BinaryOp::logical_or) > conjunction);

BOOST_SPIRIT_DEFINE(literal, name, list_literal, prefix_not, prefix_neg, primary, primary_inner, negation_guarded, not_level_guarded, negation, multiplicative, additive,
                    comparison, not_level, conjunction, expression, if_expr, match_arm, match_expr, call,
                    quantifier)

// ---------------------------------------------------------------------------------------------
// Conversion to the flat Ast.

bool is_comparison(int op) {
  auto b = static_cast<BinaryOp>(op);
  return b >= BinaryOp::equal && b <= BinaryOp::not_in;
}

class Flattener {
 public:
  explicit Flattener(Ast& ast) : ast_(ast) {}

  std::uint32_t chain(const syntax::Chain& c) {
    if (c.rest.size() > 1 && is_comparison(c.rest[0].op) && !error) {
      // `a < b < c` would be legal as a chain; the language refuses it rather than give it a surprising meaning.
      const auto second = c.rest[1].op;
      error = ParseError{c.begin, c.end,
                         std::string("comparisons cannot be chained (found a second `") +
                             to_string(static_cast<BinaryOp>(second)) + "`); combine them with `and`"};
    }
    std::uint32_t lhs = operand(c.first);
    for (const auto& link : c.rest) {
      std::uint32_t rhs = operand(link.operand);
      Node node;
      node.kind = NodeKind::binary;
      node.op = static_cast<std::uint8_t>(link.op);
      node.begin = ast_.nodes[lhs].begin;
      node.end = ast_.nodes[rhs].end;
      node.children = {lhs, rhs};
      lhs = add(std::move(node));
    }
    return lhs;
  }

  std::uint32_t operand(const syntax::Operand& o) {
    return boost::apply_visitor([this](const auto& node) { return this->visit(node); }, o);
  }

  std::optional<ParseError> error;

 private:
  std::uint32_t add(Node node) {
    ast_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(ast_.nodes.size() - 1);
  }
  static Node spanned(NodeKind kind, const syntax::Spanned& s) {
    Node n;
    n.kind = kind;
    n.begin = s.begin;
    n.end = s.end;
    return n;
  }

  std::uint32_t visit(const syntax::Literal& lit) {
    Node n = spanned(NodeKind::int_literal, lit);
    switch (lit.kind) {
      case syntax::LitKind::integer: n.kind = NodeKind::int_literal; break;
      case syntax::LitKind::decimal: n.kind = NodeKind::decimal_literal; break;
      case syntax::LitKind::string: n.kind = NodeKind::string_literal; break;
      case syntax::LitKind::date: n.kind = NodeKind::date_literal; break;
      case syntax::LitKind::boolean_true: n.kind = NodeKind::bool_literal; n.op = 1; break;
      case syntax::LitKind::boolean_false: n.kind = NodeKind::bool_literal; n.op = 0; break;
    }
    n.text = lit.text;
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::Name& name) {
    Node n = spanned(NodeKind::name, name);
    n.text = name.text;
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::ListLit& list) {
    Node n = spanned(NodeKind::list_literal, list);
    for (const auto& e : list.elements) n.children.push_back(chain(e));
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::Prefix& p) {
    Node n = spanned(NodeKind::unary, p);
    n.op = static_cast<std::uint8_t>(p.op);
    n.children = {operand(p.operand)};
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::Chain& c) {
    std::uint32_t index = chain(c);
    // A parenthesised chain: widen the span to include the parentheses the user wrote.
    return index;
  }
  std::uint32_t visit(const syntax::IfExpr& e) {
    Node n = spanned(NodeKind::if_expr, e);
    n.children = {chain(e.condition), chain(e.then_branch), chain(e.else_branch)};
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::MatchExpr& m) {
    Node n = spanned(NodeKind::match_expr, m);
    n.children.push_back(chain(m.subject));
    for (const auto& arm : m.arms) {
      Node a = spanned(NodeKind::match_arm, arm);
      for (const auto& p : arm.patterns) a.children.push_back(chain(p));
      a.children.push_back(chain(arm.value));
      n.children.push_back(add(std::move(a)));
    }
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::Call& c) {
    Node n = spanned(NodeKind::call, c);
    n.text = c.name;
    for (const auto& a : c.args) n.children.push_back(chain(a));
    return add(std::move(n));
  }
  std::uint32_t visit(const syntax::Quantifier& q) {
    Node n = spanned(NodeKind::quantifier, q);
    n.text = q.kind;
    n.var = q.var;
    n.children.push_back(chain(q.list));
    if (q.where) {
      n.flags |= kQuantifierHasWhere;
      n.children.push_back(chain(*q.where));
    }
    n.children.push_back(chain(q.body));
    if (q.fallback) {
      n.flags |= kQuantifierHasDefault;
      n.children.push_back(chain(*q.fallback));
    }
    return add(std::move(n));
  }

  Ast& ast_;
};

std::string describe_expected(const std::string& which) {
  if (which.empty()) return "something else";
  if (which.front() == '\'' || which.front() == '"') {
    // X3 renders literal chars as 'x' and strings as "xy"
    std::string inner = which.substr(1, which.size() - 2);
    return "`" + inner + "`";
  }
  if (is_keyword(which)) return "`" + which + "`";
  return which;
}

std::string token_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "end of expression";
  std::size_t end = pos;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  if (is_word(text[pos])) {
    while (end < text.size() && is_word(text[end])) ++end;
  } else {
    end = pos + 1;
    // Keep a UTF-8 sequence whole.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  }
  return "`" + std::string(text.substr(pos, end - pos)) + "`";
}

}  // namespace

bool is_keyword(std::string_view word) noexcept {
  for (auto k : kKeywords)
    if (k == word) return true;
  return false;
}

const char* to_string(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::subtract: return "-";
    case BinaryOp::multiply: return "*";
    case BinaryOp::divide: return "/";
    case BinaryOp::equal: return "==";
    case BinaryOp::not_equal: return "!=";
    case BinaryOp::less: return "<";
    case BinaryOp::less_equal: return "<=";
    case BinaryOp::greater: return ">";
    case BinaryOp::greater_equal: return ">=";
    case BinaryOp::in: return "in";
    case BinaryOp::not_in: return "not in";
    case BinaryOp::logical_and: return "and";
    case BinaryOp::logical_or: return "or";
  }
  return "?";
}

const char* to_string(UnaryOp op) noexcept { return op == UnaryOp::negate ? "-" : "not"; }

ParseResult parse_expression(std::string_view text, const ParseLimits& limits) {
  ParseResult result;
  auto fail = [&](std::size_t begin, std::size_t end, std::string message, bool limit = false) {
    result.ast = Ast{};
    result.error =
        ParseError{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end), std::move(message), limit};
    return std::move(result);
  };
  if (text.size() > limits.max_length) {
    return fail(0, 0,
                "expression is " + std::to_string(text.size()) + " bytes long; the limit is " +
                    std::to_string(limits.max_length) + " (split it into named values under `let`)",
                true);
  }

  ParseState state{text.begin(), text.end(), 0, limits.max_depth, text.begin()};
  syntax::Chain tree;
  Iterator first = text.begin();
  const Iterator last = text.end();
  bool ok = false;
  try {
    auto parser = x3::with<state_tag>(std::ref(state))[expression];
    ok = x3::phrase_parse(first, last, parser, blank, tree);
  } catch (const TooDeep&) {
    std::size_t at = static_cast<std::size_t>(state.too_deep_at - text.begin());
    return fail(at, at + 1,
                "expression nests deeper than " + std::to_string(limits.max_depth) +
                    " levels; name inner parts under `let`",
                true);
  } catch (const x3::expectation_failure<Iterator>& e) {
    std::size_t at = static_cast<std::size_t>(e.where() - text.begin());
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    std::string expected = describe_expected(e.which());
    return fail(at, at + 1, "expected " + expected + ", found " + token_at(text, at));
  }
  if (!ok) {
    std::size_t at = static_cast<std::size_t>(first - text.begin());
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    if (at >= text.size()) return fail(at, at, "expected an expression, found end of expression");
    return fail(at, at + 1, "expected an expression, found " + token_at(text, at));
  }
  if (first != last) {
    std::size_t at = static_cast<std::size_t>(first - text.begin());
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    if (at < text.size()) {
      return fail(at, at + 1, "unexpected " + token_at(text, at) + "; expected an operator or the end of the expression");
    }
  }
  Flattener flattener(result.ast);
  result.ast.root = flattener.chain(tree);
  if (flattener.error) {
    auto err = *flattener.error;
    return fail(err.begin, err.end, std::move(err.message));
  }
  return result;
}

}  // namespace admit::internal::expr
