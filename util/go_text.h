// Numbers and strings written and read as Go's strconv and fmt do. Prometheus builds its error
// messages, annotations, printed queries and some label values with them (fmt.Errorf("%v", f),
// strconv.FormatFloat(f, 'f', -1, 64), %q), so these are what make tidemark's text match
// Prometheus' byte for byte. One implementation of each, for every layer.
#ifndef TIDEMARK_UTIL_GO_TEXT_H_
#define TIDEMARK_UTIL_GO_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tidemark/status.h"

namespace tidemark::util {

// ---- Floats ------------------------------------------------------------------------------------

// strconv.FormatFloat(v, 'f', -1, 64): the fewest digits that read back as `v`, never an
// exponent; past those digits, zeros (1e21 is "1000000000000000000000", 1e23 is
// "100000000000000000000000" and not the exact binary value 99999999999999991611392).
// "NaN", "+Inf", "-Inf", "-0". What the Prometheus API writes for sample values and count_values
// for its label, and how PromQL prints number literals.
std::string GoFormatFloatF(double v);

// strconv.FormatFloat(v, 'g', -1, 64), which is also fmt's %v and %g of a float64: the fewest
// digits, in exponent form (at least two exponent digits) when the decimal exponent is below -4
// or at least 6: "123456", "1e+06", "1.234567e+06", "0.0001", "1e-05". "NaN", "+Inf", "-Inf",
// "-0".
std::string GoFormatFloatG(double v);

// fmt's %f of a float64: six decimals, correctly rounded ("0.500000"); "NaN", "+Inf", "-Inf".
std::string GoSprintfF(double v);

// strconv.FormatFloat(v, format, precision, 64) for the formats 'e', 'E', 'f', 'g' and 'G', which
// fmt's %e, %E, %f, %F, %g, %G and %v are built on: `precision` digits after the point ('e',
// 'f') or significant digits ('g', where 0 counts as 1), correctly rounded (ties to even), or
// -1 for the fewest digits that read back as `v`. 'g' writes an exponent when the decimal
// exponent is below -4 or at least the precision (6 when shortest), and drops trailing zeros.
// "NaN", "+Inf", "-Inf" whatever the format. A format not listed is taken as 'g'.
// GoFormatFloat(v, 'g', -1) == GoFormatFloatG(v); GoFormatFloat(v, 'f', 6) == GoSprintfF(v).
std::string GoFormatFloat(double v, char format, int precision);

// strconv.ParseFloat(s, 64): decimal, or hexadecimal with a binary exponent ("0x1p-2"); an
// optional sign; "inf", "infinity" and "nan" in any case (no sign on NaN); '_' only between
// digits. A value too small for a float64 reads as zero, as in Go. On failure InvalidArgument
// with Go's message: `strconv.ParseFloat: parsing "1e400": value out of range` or
// `... parsing "1e": invalid syntax`.
Result<double> GoParseFloat(std::string_view s);

// strconv.ParseInt(s, 0, 64): an optional sign, then decimal, 0x hexadecimal, 0o or leading-0
// octal, or 0b binary digits, '_' only between digits (or after the base prefix). On failure
// InvalidArgument with Go's message (`strconv.ParseInt: parsing "08": invalid syntax`,
// `... value out of range`).
Result<int64_t> GoParseInt(std::string_view s);

// ---- Strings -----------------------------------------------------------------------------------

// strconv.Quote (fmt's %q of a string): in double quotes, with \" and \\, \a \b \f \n \r \t \v,
// other runes GoIsPrint refuses as \xNN (below U+0080), \uNNNN or \UNNNNNNNN, and each byte that
// is not part of valid UTF-8 as \xNN. Printable runes, U+FFFD among them, are kept.
std::string GoQuote(std::string_view s);
void AppendGoQuote(std::string* out, std::string_view s);

// strconv.QuoteRune (fmt's %q of a rune): 'x', '\n', '\'', '\x00', '\u00a0'. A value that is
// not a Unicode scalar value quotes as U+FFFD.
std::string GoQuoteRune(char32_t r);

// fmt's %#U of a rune: "U+0041 'A'", or "U+000A" alone when the rune is not printable.
std::string GoFormatRuneU(char32_t r);

// strconv.IsPrint for assigned code points: letters, marks, numbers, punctuation, symbols and the
// ASCII space are printable; controls, format characters, other spaces, line and paragraph
// separators, surrogates, private use and the noncharacters U+FFFE/U+FFFF are not. Go also
// refuses code points Unicode has not assigned; they count as printable here (knowing them takes
// Unicode's tables), so such a rune is kept raw where Go would escape it.
bool GoIsPrint(char32_t r);

// Prometheus' strutil.Unquote (Go's strconv.Unquote, a '...' literal may hold several runes):
// the content of a "...", '...' or `...` literal with its escapes resolved. \xNN and octal
// \NNN give raw bytes, \uNNNN and \UNNNNNNNN code points (surrogates refused); raw literals are
// taken as they are. InvalidArgument ("invalid syntax", Go's ErrSyntax) for a malformed literal.
Result<std::string> GoUnquote(std::string_view quoted);

// strings.TrimSpace for ASCII white space (space, \t, \n, \v, \f, \r): `s` without leading and
// trailing white space. Unicode spaces past ASCII are kept, where Go would trim them too.
std::string_view GoTrimSpace(std::string_view s);

// text/template's HTMLEscapeString: " ' & < > as &#34; &#39; &amp; &lt; &gt;, NUL as U+FFFD.
// Safe for HTML text and quoted attribute values.
std::string GoHtmlEscape(std::string_view s);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_GO_TEXT_H_
