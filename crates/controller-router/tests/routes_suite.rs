//! Routes 2.5.1's own test suite, translated case by case.
//!
//! Each `#[test]` below translates one test function of Routes 2.5.1
//! (`tests/test_functional/*.py`, `tests/test_units/*.py` in its sdist), named
//! in the `// Routes:` line above its body. Each assertion of the Routes
//! function is one case here, in one of three forms:
//!
//! - `same!(ours, routes)`: we give Routes' answer;
//! - `ours!(ours, want, routes, "why")`: we answer `want`, differently on
//!   purpose; `why` must appear in the README's "Differences from Routes" table;
//! - `fails!(ours, routes)`: we answer differently and it is not a chosen
//!   difference (a failing case, checked so that a fix is noticed).
//!
//! A Routes assertion inside a loop counts once; a call of a Routes helper
//! (`_assert_restful_routes`) counts the helper's assertions. Routes' legacy
//! `:var` and `*var` spellings are written as `{var}` and `{*var}` (the crate
//! has one syntax), and a pattern gets its leading `/`. Routes' `None` for a
//! missing value is an absent key. A `month=None`-style default has no form:
//! the value is simply required. Routes' conveniences that make routes
//! (`submapper(controller=..)`, `action()`, `link()`, `parent_resource=`) are
//! written as the routes they make.
//!
//! Out of scope, and only counted in the ledger: what the crate's README
//! leaves out (minimization and implicit defaults, sub-domains, route memory,
//! qualified URLs, `mapper.prefix`, `_filter`, ...). In a Routes function that
//! turns minimization on, a case is in scope when its answer does not depend
//! on minimization or on implicit defaults.
//!
//! `ledger_matches_the_cases` checks that [`LEDGER`] agrees with the cases in
//! this file, function by function; the README quotes its totals.

use std::collections::BTreeMap;
use std::sync::Arc;

use gw_controller_router::{Mapper, Route, Urls};
use http::Method;

/// One Routes test function: its file and name, how many assertions it makes,
/// how many of them are translated here as `same!`, `ours!` and `fails!`, and
/// how many are out of the crate's scope, with the reason.
struct Entry {
    file: &'static str,
    function: &'static str,
    assertions: usize,
    same: usize,
    ours: usize,
    fails: usize,
    out: usize,
    reason: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn e(
    file: &'static str,
    function: &'static str,
    assertions: usize,
    same: usize,
    ours: usize,
    fails: usize,
    out: usize,
    reason: &'static str,
) -> Entry {
    Entry {
        file,
        function,
        assertions,
        same,
        ours,
        fails,
        out,
        reason,
    }
}

/// Every test function of Routes 2.5.1 that asserts something: file,
/// function, assertions, then how many are `same!`, `ours!`, `fails!` and out
/// of scope here, and why they are out of scope.
const LEDGER: &[Entry] = &[
    e(
        "test_generation.py",
        "test_all_static_no_reqs",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_basic_dynamic",
        4,
        4,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_relative_url",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults; qualified URLs",
    ),
    e(
        "test_generation.py",
        "test_basic_dynamic_explicit_use",
        3,
        3,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_default",
        4,
        2,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_false_equivs",
        10,
        4,
        0,
        0,
        6,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_underscore_parts",
        5,
        3,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_false_equivs_and_splits",
        10,
        4,
        0,
        0,
        6,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_regexp_condition",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_dynamic_with_default_and_regexp_condition",
        6,
        4,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_path",
        3,
        1,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_path_backwards",
        3,
        1,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e("test_generation.py", "test_controller", 2, 1, 1, 0, 0, ""),
    e(
        "test_generation.py",
        "test_controller_with_static",
        3,
        2,
        1,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_standard_route",
        6,
        1,
        1,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_multiroute",
        5,
        1,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_multiroute_with_splits",
        5,
        1,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_big_multiroute",
        14,
        9,
        0,
        0,
        5,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_big_multiroute_with_splits",
        14,
        10,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_big_multiroute_with_nomin",
        13,
        11,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_no_extras",
        1,
        0,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_no_extras_with_splits",
        1,
        0,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_the_smallest_route",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_extras",
        3,
        2,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_extras_with_splits",
        2,
        1,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_extras_as_unicode",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_extras_as_list_of_unicodes",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e("test_generation.py", "test_static", 3, 3, 0, 0, 0, ""),
    e(
        "test_generation.py",
        "test_typical",
        7,
        1,
        1,
        0,
        5,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_route_with_fixnum_default",
        8,
        3,
        0,
        0,
        5,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_route_with_fixnum_default_with_splits",
        8,
        3,
        0,
        0,
        5,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_uppercase_recognition",
        4,
        1,
        0,
        0,
        3,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_backwards",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_backwards_with_splits",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_both_requirement_and_optional",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_set_to_nil_forgets",
        3,
        1,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_url_with_no_action_specified",
        2,
        1,
        1,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_url_with_prefix",
        3,
        0,
        0,
        0,
        3,
        "mapper.prefix",
    ),
    e(
        "test_generation.py",
        "test_url_with_prefix_deeper",
        3,
        0,
        0,
        0,
        3,
        "mapper.prefix",
    ),
    e(
        "test_generation.py",
        "test_url_with_environ_empty",
        3,
        0,
        0,
        0,
        3,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_url_with_environ",
        8,
        0,
        0,
        0,
        8,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_url_with_environ_and_caching",
        3,
        3,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_url_with_environ_and_absolute",
        5,
        0,
        0,
        0,
        5,
        "minimization or implicit defaults; qualified URLs",
    ),
    e(
        "test_generation.py",
        "test_route_with_odd_leftovers",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_route_with_end_extension",
        4,
        3,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e("test_generation.py", "test_unicode", 2, 2, 0, 0, 0, ""),
    e(
        "test_generation.py",
        "test_unicode_static",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_generation.py",
        "test_other_special_chars",
        4,
        2,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_generation.py",
        "test_dot_format_args",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_regexp_char_escaping",
        3,
        2,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e("test_recognition.py", "test_all_static", 5, 5, 0, 0, 0, ""),
    e(
        "test_recognition.py",
        "test_unicode",
        1,
        0,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_disabling_unicode",
        1,
        0,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_basic_dynamic",
        6,
        4,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_basic_dynamic_backwards",
        7,
        5,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_underscores",
        2,
        1,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_default",
        6,
        5,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_default_backwards",
        7,
        6,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_string_condition",
        6,
        5,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_string_condition_backwards",
        6,
        5,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_regexp_condition",
        10,
        8,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_regexp_and_default",
        9,
        8,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_default_and_string_condition_backwards",
        5,
        4,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_and_controller_with_string_and_default_backwards",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_multiroute",
        6,
        3,
        0,
        0,
        3,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_multiroute_with_nomin",
        7,
        7,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_multiroute_with_splits",
        6,
        3,
        0,
        0,
        3,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_regexp_defaults_and_gaps",
        6,
        4,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_regexp_defaults_and_gaps_and_splits",
        6,
        4,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_regexp_gaps_controllers",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_trailing_strings",
        8,
        8,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_trailing_non_keyword_strings",
        4,
        2,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_trailing_dyanmic_defaults",
        8,
        8,
        0,
        0,
        0,
        "",
    ),
    e("test_recognition.py", "test_path", 6, 6, 0, 0, 0, ""),
    e(
        "test_recognition.py",
        "test_path_with_dynamic",
        8,
        8,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_path_with_dyanmic_and_default",
        8,
        2,
        0,
        0,
        6,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_path_with_dynamic_and_default_backwards",
        6,
        5,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_path_backwards",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_path_backwards_with_controller",
        10,
        10,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_path_backwards_with_controller_and_splits",
        10,
        10,
        0,
        0,
        0,
        "",
    ),
    e("test_recognition.py", "test_controller", 8, 8, 0, 0, 0, ""),
    e(
        "test_recognition.py",
        "test_standard_route",
        8,
        4,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_standard_route_with_gaps",
        3,
        3,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_standard_route_with_gaps_and_domains",
        7,
        6,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_standard_with_domains",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_default_route",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_prefix",
        9,
        0,
        0,
        0,
        9,
        "mapper.prefix",
    ),
    e(
        "test_recognition.py",
        "test_dynamic_with_multiple_and_prefix",
        10,
        0,
        0,
        0,
        10,
        "mapper.prefix",
    ),
    e(
        "test_recognition.py",
        "test_splits_with_extension",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_splits_with_dashes",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_splits_packed_with_regexps",
        7,
        0,
        7,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_splits_with_slashes",
        4,
        4,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_recognition.py",
        "test_splits_with_slashes_and_default",
        4,
        3,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_no_reg_make",
        1,
        0,
        0,
        0,
        1,
        "create_regs life cycle",
    ),
    e(
        "test_recognition.py",
        "test_routematch",
        3,
        1,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_routematch_debug",
        5,
        0,
        0,
        0,
        5,
        "match debug output",
    ),
    e(
        "test_recognition.py",
        "test_match_debug",
        5,
        0,
        0,
        0,
        5,
        "match debug output",
    ),
    e(
        "test_recognition.py",
        "test_conditions",
        4,
        3,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_subdomains",
        4,
        0,
        0,
        0,
        4,
        "sub-domains",
    ),
    e(
        "test_recognition.py",
        "test_subdomains_with_conditions",
        5,
        0,
        0,
        0,
        5,
        "sub-domains",
    ),
    e(
        "test_recognition.py",
        "test_subdomain_with_conditions2",
        3,
        0,
        0,
        0,
        3,
        "sub-domains",
    ),
    e(
        "test_recognition.py",
        "test_subdomains_with_ignore",
        4,
        0,
        0,
        0,
        4,
        "sub-domains",
    ),
    e(
        "test_recognition.py",
        "test_other_special_chars",
        5,
        2,
        0,
        0,
        3,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_various_periods",
        2,
        0,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_empty_fails",
        3,
        1,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_recognition.py",
        "test_home_noargs",
        3,
        2,
        0,
        0,
        1,
        "None as a path",
    ),
    e(
        "test_recognition.py",
        "test_dot_format_args",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_nongen",
        3,
        2,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_nongen_no_encoding",
        2,
        1,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_unicode",
        4,
        2,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for",
        6,
        0,
        0,
        0,
        6,
        "minimization or implicit defaults; qualified URLs",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_raises",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_defaults",
        14,
        2,
        0,
        0,
        12,
        "route memory (current values, url.current)",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_more_defaults",
        16,
        2,
        0,
        0,
        14,
        "route memory (current values, url.current)",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_url_for_with_defaults_and_qualified",
        14,
        2,
        0,
        0,
        12,
        "route memory (current values, url.current)",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_route_overflow",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_with_route_names",
        6,
        2,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_with_route_names_and_defaults",
        4,
        2,
        0,
        0,
        2,
        "route memory (current values, url.current)",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_with_route_names_and_hardcode",
        12,
        8,
        2,
        0,
        2,
        "route memory (current values, url.current)",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_redirect_to",
        5,
        3,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_redirect_to_with_route_names",
        6,
        2,
        0,
        0,
        4,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_static_route",
        4,
        3,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_static_route_with_script",
        6,
        3,
        0,
        0,
        3,
        "minimization or implicit defaults; qualified URLs",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_static_route_with_vars",
        7,
        6,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_static_route_with_vars_and_defaults",
        20,
        16,
        0,
        0,
        4,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_static_route_with_vars_and_requirements",
        24,
        24,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_no_named_path",
        4,
        4,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_append_slash",
        6,
        4,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_no_named_path_with_script",
        4,
        4,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_route_filter",
        8,
        0,
        0,
        0,
        8,
        "_filter",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_with_ssl_environ",
        9,
        0,
        0,
        0,
        9,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_with_http_environ",
        4,
        0,
        0,
        0,
        4,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_subdomains",
        4,
        0,
        0,
        0,
        4,
        "sub-domains",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_subdomains_with_exceptions",
        16,
        0,
        0,
        0,
        16,
        "sub-domains",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_subdomains_with_named_routes",
        10,
        0,
        0,
        0,
        10,
        "sub-domains",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_subdomains_with_ports",
        5,
        0,
        0,
        0,
        5,
        "sub-domains",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_subdomains_with_default",
        3,
        0,
        0,
        0,
        3,
        "sub-domains",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_controller_scan",
        4,
        0,
        0,
        0,
        4,
        "controller_scan of a directory",
    ),
    e(
        "test_utils.py",
        "TestUtils.test_auto_controller_scan",
        3,
        0,
        0,
        0,
        3,
        "controller_scan of a directory",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_url_for",
        5,
        3,
        0,
        0,
        2,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_url_for_with_defaults",
        7,
        7,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_url_for_with_more_defaults",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_url_for_with_defaults_and_qualified",
        8,
        5,
        0,
        0,
        3,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_with_route_names",
        7,
        6,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_with_route_names_and_nomin",
        7,
        7,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_with_route_names_and_defaults",
        3,
        3,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_with_resource_route_names",
        15,
        11,
        0,
        0,
        4,
        "resource member, collection and new actions",
    ),
    e(
        "test_utils.py",
        "TestUtilsWithExplicit.test_with_resource_route_names_and_nomin",
        15,
        11,
        0,
        0,
        4,
        "resource member, collection and new actions",
    ),
    e("test_resources.py", "test_resources", 17, 17, 0, 0, 0, ""),
    e(
        "test_resources.py",
        "test_resources_with_path_prefix",
        9,
        9,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_resources.py",
        "test_resources_with_collection_action",
        13,
        9,
        0,
        0,
        4,
        "resource member, collection and new actions",
    ),
    e(
        "test_resources.py",
        "test_resources_with_member_action",
        11,
        9,
        0,
        0,
        2,
        "resource member, collection and new actions",
    ),
    e(
        "test_resources.py",
        "test_resources_with_new_action",
        13,
        9,
        0,
        0,
        4,
        "resource member, collection and new actions",
    ),
    e(
        "test_resources.py",
        "test_resources_with_name_prefix",
        11,
        9,
        0,
        0,
        2,
        "resource member, collection and new actions",
    ),
    e(
        "test_resources.py",
        "test_resources_with_requirements",
        13,
        13,
        0,
        0,
        0,
        "",
    ),
    e("test_resources.py", "test_resource", 21, 21, 0, 0, 0, ""),
    e(
        "test_resources.py",
        "test_resource_with_nomin",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_resources.py",
        "test_resource_created_with_parent_resource",
        20,
        20,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_resources.py",
        "test_resource_created_with_parent_resource_nomin",
        20,
        20,
        0,
        0,
        0,
        "",
    ),
    e("test_submapper.py", "test_submapper", 2, 2, 0, 0, 0, ""),
    e(
        "test_submapper.py",
        "test_submapper_with_no_path",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_nesting",
        5,
        3,
        0,
        0,
        2,
        "SubMapper attributes",
    ),
    e(
        "test_submapper.py",
        "test_submapper_action",
        5,
        5,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_link",
        6,
        6,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_standard_actions",
        7,
        7,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_standard_links",
        4,
        4,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_action_and_link_generation",
        11,
        11,
        0,
        0,
        0,
        "",
    ),
    e("test_submapper.py", "test_collection", 11, 11, 0, 0, 0, ""),
    e(
        "test_submapper.py",
        "test_collection_options",
        2,
        0,
        0,
        0,
        2,
        "SubMapper attributes",
    ),
    e(
        "test_submapper.py",
        "test_subsubmapper_with_controller",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_submapper.py",
        "test_submapper_argument_overriding",
        9,
        9,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_nonminimization.py",
        "test_basic",
        8,
        7,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_nonminimization.py",
        "test_full",
        9,
        7,
        0,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_nonminimization.py",
        "test_action_required",
        3,
        3,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_nonminimization.py",
        "test_query_params",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_nonminimization.py",
        "test_syntax",
        7,
        6,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_nonminimization.py",
        "test_regexp_syntax",
        9,
        8,
        0,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e("test_nonminimization.py", "test_unicode", 2, 2, 0, 0, 0, ""),
    e(
        "test_nonminimization.py",
        "test_unicode_static",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_nonminimization.py",
        "test_other_special_chars",
        2,
        2,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_explicit_use.py",
        "test_route_dict_use",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_explicit_use.py",
        "test_x_forwarded",
        1,
        0,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_explicit_use.py",
        "test_server_port",
        1,
        0,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_explicit_use.py",
        "test_subdomain_screen",
        5,
        0,
        0,
        0,
        5,
        "sub-domains",
    ),
    e(
        "test_explicit_use.py",
        "test_anchor",
        1,
        0,
        0,
        0,
        1,
        "qualified URLs, host, protocol, anchor",
    ),
    e(
        "test_explicit_use.py",
        "test_static_args",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_explicit_use.py",
        "test_current",
        1,
        0,
        0,
        0,
        1,
        "route memory (current values, url.current)",
    ),
    e("test_explicit_use.py", "test_add_routes", 1, 1, 0, 0, 0, ""),
    e(
        "test_explicit_use.py",
        "test_add_routes_conditions_unmet",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_explicit_use.py",
        "test_add_routes_conditions_met",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_explicit_use.py",
        "test_using_func",
        1,
        0,
        0,
        0,
        1,
        "route memory (current values, url.current)",
    ),
    e(
        "test_explicit_use.py",
        "test_using_prefix",
        2,
        1,
        0,
        0,
        1,
        "route memory (current values, url.current)",
    ),
    e(
        "test_explicit_use.py",
        "test_with_host_param",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_route_escapes.py",
        "test_normal_route",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_backslash",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_random_escapes",
        1,
        0,
        0,
        1,
        0,
        "",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_colon",
        1,
        0,
        0,
        0,
        1,
        "legacy :var syntax",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_escaped_colon",
        1,
        1,
        0,
        0,
        0,
        "",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_both_colons",
        1,
        0,
        0,
        0,
        1,
        "legacy :var syntax",
    ),
    e(
        "test_route_escapes.py",
        "test_route_with_all_escapes",
        1,
        0,
        0,
        0,
        1,
        "legacy :var syntax",
    ),
    e(
        "test_middleware.py",
        "test_basic",
        2,
        0,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e("test_middleware.py", "test_no_query", 1, 0, 1, 0, 0, ""),
    e(
        "test_middleware.py",
        "test_content_split",
        1,
        0,
        1,
        0,
        0,
        "",
    ),
    e(
        "test_middleware.py",
        "test_no_singleton",
        2,
        0,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_middleware.py",
        "test_path_info",
        6,
        4,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_middleware.py",
        "test_redirect_middleware",
        8,
        6,
        1,
        0,
        1,
        "minimization or implicit defaults",
    ),
    e(
        "test_middleware.py",
        "test_method_conversion",
        5,
        0,
        3,
        0,
        2,
        "minimization or implicit defaults",
    ),
    e(
        "test_base.py",
        "test_route",
        1,
        0,
        0,
        0,
        1,
        "request_config, Route internals, str(mapper)",
    ),
    e(
        "test_base.py",
        "test_request_config",
        2,
        0,
        0,
        0,
        2,
        "request_config, Route internals, str(mapper)",
    ),
    e(
        "test_environment.py",
        "test_env_set",
        7,
        0,
        0,
        0,
        7,
        "request_config, Route internals, str(mapper)",
    ),
    e(
        "test_mapper_str.py",
        "test_str",
        1,
        0,
        0,
        0,
        1,
        "request_config, Route internals, str(mapper)",
    ),
];

/// The totals the README quotes: Routes' assertions, and of them `same!`,
/// `ours!`, `fails!` and out of scope.
const TOTALS: [usize; 5] = [1162, 731, 26, 1, 404];

/// Counts the `same!`, `ours!` and `fails!` cases of each Routes function in
/// this file: those in the test that names it in its `// Routes:` line, plus
/// those of each helper it calls (a helper's cases count once per call).
fn cases_in_this_file() -> BTreeMap<String, [usize; 3]> {
    let source = include_str!("routes_suite.rs");
    let marks = ["same!(", "ours!(", "fails!("].map(|m| m.to_owned());
    // Split into functions: a line whose text starts with `fn ` or `async fn `.
    let mut fns: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        let text = line.trim_start();
        let text = text.strip_prefix("async ").unwrap_or(text);
        if let Some(rest) = text.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            fns.push((name, String::new()));
        } else if let Some((_, body)) = fns.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let count = |body: &str| marks.clone().map(|m| body.matches(m.as_str()).count());
    let tag = |body: &str| {
        body.lines()
            .find_map(|l| l.trim_start().strip_prefix("// Routes: "))
            .map(|t| t.trim().to_owned())
    };
    let helpers: Vec<(String, [usize; 3])> = fns
        .iter()
        .filter(|(_, body)| tag(body).is_none())
        .map(|(name, body)| (name.clone(), count(body)))
        .filter(|(_, c)| c.iter().sum::<usize>() > 0)
        .collect();
    let mut out: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for (_, body) in &fns {
        let Some(tag) = tag(body) else { continue };
        let mut c = count(body);
        for (helper, hc) in &helpers {
            let call = format!("{helper}(");
            let calls = body
                .match_indices(&call)
                .filter(|&(i, _)| {
                    !body[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.')
                })
                .count();
            for k in 0..3 {
                c[k] += calls * hc[k];
            }
        }
        let entry = out.entry(tag).or_default();
        for k in 0..3 {
            entry[k] += c[k];
        }
    }
    out
}

#[test]
fn ledger_matches_the_cases() {
    let found = cases_in_this_file();
    let mut totals = [0; 5];
    for e in LEDGER {
        let key = format!("{} {}", e.file, e.function);
        let cases = found.get(&key).copied().unwrap_or_default();
        assert_eq!(
            cases,
            [e.same, e.ours, e.fails],
            "{key}: the ledger says {:?}",
            [e.same, e.ours, e.fails]
        );
        assert_eq!(
            e.assertions,
            e.same + e.ours + e.fails + e.out,
            "{key}: every assertion is translated or out of scope"
        );
        assert_eq!(
            e.out > 0,
            !e.reason.is_empty(),
            "{key}: a reason for what is out"
        );
        for (t, n) in totals
            .iter_mut()
            .zip([e.assertions, e.same, e.ours, e.fails, e.out])
        {
            *t += n;
        }
    }
    for key in found.keys() {
        assert!(
            LEDGER
                .iter()
                .any(|e| format!("{} {}", e.file, e.function) == *key),
            "{key} is not in the ledger"
        );
    }
    assert_eq!(totals, TOTALS);
}

type Dict = BTreeMap<String, String>;

macro_rules! same {
    ($ours:expr, $routes:expr $(,)?) => {
        assert_eq!($ours, $routes, "Routes' answer")
    };
}

/// The crate's README, whose "Differences from Routes" table must name every
/// `ours!` reason.
const README: &str = include_str!("../README.md");

macro_rules! ours {
    ($ours:expr, $want:expr, $routes:expr, $why:literal $(,)?) => {{
        let got = $ours;
        assert!(README.contains($why), "the README names {:?}", $why);
        assert_eq!(got, $want, "our answer ({})", $why);
        assert_ne!(got, $routes, "now Routes' answer: make it same!");
    }};
}

#[allow(unused_macros)]
macro_rules! fails {
    ($ours:expr, $routes:expr $(,)?) => {
        assert_ne!($ours, $routes, "this case passes now: make it same!")
    };
}

fn r(pattern: &str) -> Route {
    Route::new(pattern)
}

fn map(routes: impl IntoIterator<Item = Route>) -> Mapper {
    routes
        .into_iter()
        .fold(Mapper::new(), |m, route| m.route(route).unwrap())
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Routes' `m.generate(**kw)`.
fn gen(m: &Mapper, kw: &[(&str, &str)]) -> Option<String> {
    m.generate(kw).ok()
}

/// Routes' `url_for('name', **kw)`.
fn named(m: &Mapper, name: &str, kw: &[(&str, &str)]) -> Option<String> {
    m.url_for_route(name, kw).ok()
}

/// Routes' `url_for(**kw)` with `SCRIPT_NAME` set to `prefix`.
fn under(m: Mapper, prefix: &str) -> Urls {
    Urls::new(Arc::new(m), prefix)
}

/// Routes' `m.match(path)` for a GET.
fn rec(m: &Mapper, path: &str) -> Option<Dict> {
    rec_as(m, Method::GET, path)
}

fn rec_as(m: &Mapper, method: Method, path: &str) -> Option<Dict> {
    let found = m.recognize(&method, path)?;
    let args = found.routing_args()?;
    Some(
        args.named()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

fn d(pairs: &[(&str, &str)]) -> Option<Dict> {
    Some(
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

// ---- test_generation.py ----

#[test]
fn generation_all_static_no_reqs() {
    // Routes: test_generation.py test_all_static_no_reqs
    let m = map([r("/hello/world")]);
    same!(gen(&m, &[]), s("/hello/world"));
}

#[test]
fn generation_basic_dynamic() {
    // Routes: test_generation.py test_basic_dynamic
    let m = map([r("/hi/{fred}")]);
    same!(gen(&m, &[("fred", "index")]), s("/hi/index"));
    same!(gen(&m, &[("fred", "show")]), s("/hi/show"));
    same!(gen(&m, &[("fred", "list people")]), s("/hi/list%20people"));
    same!(gen(&m, &[]), None);
}

#[test]
fn generation_basic_dynamic_explicit_use() {
    // Routes: test_generation.py test_basic_dynamic_explicit_use
    let urls = under(map([r("/hi/{fred}")]), "");
    same!(urls.generate(&[("fred", "index")]).ok(), s("/hi/index"));
    same!(urls.generate(&[("fred", "show")]).ok(), s("/hi/show"));
    same!(
        urls.generate(&[("fred", "list people")]).ok(),
        s("/hi/list%20people")
    );
}

#[test]
fn generation_dynamic_with_regexp_condition() {
    // Routes: test_generation.py test_dynamic_with_regexp_condition
    let m = map([r("/hi/{name}").requirement("name", "[a-z]+")]);
    same!(gen(&m, &[("name", "index")]), s("/hi/index"));
    same!(gen(&m, &[("name", "fox5")]), None);
    same!(gen(&m, &[("name", "something_is_up")]), None);
    same!(
        gen(&m, &[("name", "abunchofcharacter")]),
        s("/hi/abunchofcharacter")
    );
    same!(gen(&m, &[]), None);
}

#[test]
fn generation_controller() {
    // Routes: test_generation.py test_controller
    let m = map([r("/hi/{controller}")]);
    same!(gen(&m, &[("controller", "content")]), s("/hi/content"));
    ours!(
        gen(&m, &[("controller", "admin/user")]),
        s("/hi/admin%2Fuser"),
        s("/hi/admin/user"),
        "a path value's `/` in generation",
    );
}

#[test]
fn generation_controller_with_static() {
    // Routes: test_generation.py test_controller_with_static
    let m = map([
        r("/hi/{controller}"),
        r("http://www.google.com").name("google").generate_only(),
    ]);
    same!(gen(&m, &[("controller", "content")]), s("/hi/content"));
    ours!(
        gen(&m, &[("controller", "admin/user")]),
        s("/hi/admin%2Fuser"),
        s("/hi/admin/user"),
        "a path value's `/` in generation",
    );
    same!(named(&m, "google", &[]), s("http://www.google.com"));
}

#[test]
fn generation_the_smallest_route() {
    // Routes: test_generation.py test_the_smallest_route
    let m = map([
        r("/").defaults([
            ("controller", "page"),
            ("action", "view"),
            ("title", "HomePage"),
        ]),
        r("/pages/{title}").defaults([("controller", "page"), ("action", "view")]),
    ]);
    same!(
        gen(
            &m,
            &[
                ("controller", "page"),
                ("action", "view"),
                ("title", "HomePage")
            ]
        ),
        s("/")
    );
    same!(
        gen(
            &m,
            &[("controller", "page"), ("action", "view"), ("title", "joe")]
        ),
        s("/pages/joe")
    );
}

#[test]
fn generation_extras_as_unicode() {
    // Routes: test_generation.py test_extras_as_unicode
    let m = map([r("/{something}")]);
    same!(
        gen(&m, &[("something", "whatever"), ("extra", "\u{20ac}")]),
        s("/whatever?extra=%E2%82%AC")
    );
}

#[test]
fn generation_extras_as_list_of_unicodes() {
    // Routes: test_generation.py test_extras_as_list_of_unicodes
    let m = map([r("/{something}")]);
    same!(
        gen(
            &m,
            &[
                ("something", "whatever"),
                ("extra", "\u{20ac}"),
                ("extra", "\u{a3}")
            ]
        ),
        s("/whatever?extra=%E2%82%AC&extra=%C2%A3")
    );
}

#[test]
fn generation_static() {
    // Routes: test_generation.py test_static
    let m = map([r("/hello/world").defaults([
        ("known", "known_value"),
        ("controller", "content"),
        ("action", "index"),
    ])]);
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "index"),
                ("known", "known_value")
            ]
        ),
        s("/hello/world")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "index"),
                ("known", "known_value"),
                ("extra", "hi")
            ]
        ),
        s("/hello/world?extra=hi")
    );
    same!(gen(&m, &[("known", "foo")]), None);
}

#[test]
fn generation_url_with_no_action_specified() {
    // Routes: test_generation.py test_url_with_no_action_specified
    let m = map([
        r("/").defaults([("controller", "content")]),
        r("/{controller}/{action}/{id}"),
    ]);
    // Routes' `controller=content, action=index` finds `/` only through the
    // implicit `action='index'` that `explicit=True` turns off; it answers `/`
    // because it drops a key the route does not use.
    ours!(
        gen(&m, &[("controller", "content"), ("action", "index")]),
        None,
        s("/"),
        "keyword generation drops a `controller` or `action` the route does not use",
    );
    same!(gen(&m, &[("controller", "content")]), s("/"));
}

#[test]
fn generation_url_with_environ_and_caching() {
    // Routes: test_generation.py test_url_with_environ_and_caching
    let m = map([r("/")
        .name("foo")
        .defaults([("controller", "main"), ("action", "index")])]);
    same!(
        gen(&m, &[("controller", "main"), ("action", "index")]),
        s("/")
    );
    let urls = under(m, "/bar");
    same!(
        urls.generate(&[("controller", "main"), ("action", "index")])
            .ok(),
        s("/bar/")
    );
    same!(
        urls.mapper()
            .generate(&[("controller", "main"), ("action", "index")])
            .ok(),
        s("/")
    );
}

#[test]
fn generation_unicode() {
    // Routes: test_generation.py test_unicode
    let m = map([r("/{hoge}")]);
    let hoge = "\u{30c6}\u{30b9}\u{30c8}";
    same!(
        gen(&m, &[("hoge", hoge)]),
        s("/%E3%83%86%E3%82%B9%E3%83%88")
    );
    // Routes checks the type is `str`; ours is a `String` by its signature.
    same!(gen(&m, &[("hoge", hoge)]).is_some(), true);
}

#[test]
fn generation_dot_format_args() {
    // Routes: test_generation.py test_dot_format_args
    let m = map([
        r("/songs/{title}{.format}"),
        r("/stories/{slug}{.format:pdf}"),
    ]);
    same!(gen(&m, &[("title", "my-way")]), s("/songs/my-way"));
    same!(
        gen(&m, &[("title", "my-way"), ("format", "mp3")]),
        s("/songs/my-way.mp3")
    );
    same!(gen(&m, &[("slug", "frist-post")]), s("/stories/frist-post"));
    same!(
        gen(&m, &[("slug", "frist-post"), ("format", "pdf")]),
        s("/stories/frist-post.pdf")
    );
    same!(gen(&m, &[("slug", "frist-post"), ("format", "doc")]), None);
}

#[test]
fn generation_path() {
    // Routes: test_generation.py test_path
    let m = map([r("/hi/{*file}")]);
    same!(
        gen(&m, &[("file", "books/learning_python.pdf")]),
        s("/hi/books/learning_python.pdf")
    );
    ours!(
        gen(
            &m,
            &[("file", "books/development&whatever/learning_python.pdf")]
        ),
        s("/hi/books/development&whatever/learning_python.pdf"),
        s("/hi/books/development%26whatever/learning_python.pdf"),
        "`&`, `=`, `+`, `;`, `:`, `@` in a path value",
    );
}

#[test]
fn generation_path_backwards() {
    // Routes: test_generation.py test_path_backwards
    let m = map([r("/{*file}/hi")]);
    same!(
        gen(&m, &[("file", "books/learning_python.pdf")]),
        s("/books/learning_python.pdf/hi")
    );
    ours!(
        gen(
            &m,
            &[("file", "books/development&whatever/learning_python.pdf")]
        ),
        s("/books/development&whatever/learning_python.pdf/hi"),
        s("/books/development%26whatever/learning_python.pdf/hi"),
        "`&`, `=`, `+`, `;`, `:`, `@` in a path value",
    );
}

#[test]
fn generation_standard_route() {
    // Routes: test_generation.py test_standard_route
    let m = map([r("/{controller}/{action}/{id}")]);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "show"), ("id", "10")]
        ),
        s("/content/show/10")
    );
    ours!(
        gen(
            &m,
            &[
                ("controller", "admin/user"),
                ("action", "show"),
                ("id", "10")
            ]
        ),
        s("/admin%2Fuser/show/10"),
        s("/admin/user/show/10"),
        "a path value's `/` in generation",
    );
}

/// The routes of Routes' `test_multiroute` and of its `TestUtils` set-up
/// (`month=None, day=None` have no form: those values are simply required).
fn multiroute() -> Mapper {
    map([
        r("/archive/{year}/{month}/{day}")
            .defaults([("controller", "blog"), ("action", "view")])
            .requirement("month", r"\d{1,2}")
            .requirement("day", r"\d{1,2}"),
        r("/viewpost/{id}").defaults([("controller", "post"), ("action", "view")]),
        r("/{controller}/{action}/{id}"),
    ])
}

#[test]
fn generation_multiroute() {
    // Routes: test_generation.py test_multiroute
    let m = multiroute();
    same!(
        gen(
            &m,
            &[("controller", "post"), ("action", "view"), ("id", "3")]
        ),
        s("/viewpost/3")
    );
}

#[test]
fn generation_multiroute_with_splits() {
    // Routes: test_generation.py test_multiroute_with_splits
    let m = multiroute();
    same!(
        gen(
            &m,
            &[("controller", "post"), ("action", "view"), ("id", "3")]
        ),
        s("/viewpost/3")
    );
}

/// Routes' `test_big_multiroute` routes; `html` puts `.html` after the
/// admin ids and `.myt` after the page number, as its `_with_splits` twin does.
fn big_multiroute(html: bool) -> Mapper {
    let (ext, myt) = if html { (".html", ".myt") } else { ("", "") };
    map([
        r("/").defaults([("controller", "articles"), ("action", "index")]),
        r("/admin").defaults([("controller", "admin/general"), ("action", "index")]),
        r(&format!(
            "/admin/comments/article/{{article_id}}/{{action}}/{{id}}{ext}"
        ))
        .defaults([("controller", "admin/comments")]),
        r(&format!(
            "/admin/trackback/article/{{article_id}}/{{action}}/{{id}}{ext}"
        ))
        .defaults([("controller", "admin/trackback")]),
        r("/admin/content/{action}/{id}").defaults([("controller", "admin/content")]),
        r("/xml/{action}/feed.xml").defaults([("controller", "xml")]),
        r("/xml/articlerss/{id}/feed.xml")
            .defaults([("controller", "xml"), ("action", "articlerss")]),
        r("/index.rdf").defaults([("controller", "xml"), ("action", "rss")]),
        r("/articles").defaults([("controller", "articles"), ("action", "index")]),
        r(&format!("/articles/page/{{page}}{myt}"))
            .defaults([("controller", "articles"), ("action", "index")])
            .requirement("page", r"\d+"),
        r("/articles/{year}/{month}/{day}/page/{page}")
            .defaults([("controller", "articles"), ("action", "find_by_date")])
            .requirement("year", r"\d{4}")
            .requirement("month", r"\d{1,2}")
            .requirement("day", r"\d{1,2}"),
        r("/articles/category/{id}").defaults([("controller", "articles"), ("action", "category")]),
        r("/pages/{*name}").defaults([("controller", "articles"), ("action", "view_page")]),
    ])
}

#[test]
fn generation_big_multiroute() {
    // Routes: test_generation.py test_big_multiroute
    let m = big_multiroute(false);
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "view_page"),
                ("name", "the/idiot/has/spoken")
            ]
        ),
        s("/pages/the/idiot/has/spoken")
    );
    same!(
        gen(&m, &[("controller", "articles"), ("action", "index")]),
        s("/")
    );
    same!(
        gen(
            &m,
            &[("controller", "xml"), ("action", "articlerss"), ("id", "4")]
        ),
        s("/xml/articlerss/4/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "rss")]),
        s("/xml/rss/feed.xml")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "admin/comments"),
                ("action", "view"),
                ("article_id", "4"),
                ("id", "2")
            ]
        ),
        s("/admin/comments/article/4/view/2")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004"),
                ("month", "2"),
                ("day", "20"),
                ("page", "1")
            ]
        ),
        s("/articles/2004/2/20/page/1")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "articlerss")]),
        s("/xml/articlerss/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "admin/comments"), ("id", "2")]),
        None
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004")
            ]
        ),
        None
    );
}

#[test]
fn generation_big_multiroute_with_splits() {
    // Routes: test_generation.py test_big_multiroute_with_splits
    let m = big_multiroute(true);
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "view_page"),
                ("name", "the/idiot/has/spoken")
            ]
        ),
        s("/pages/the/idiot/has/spoken")
    );
    same!(
        gen(&m, &[("controller", "articles"), ("action", "index")]),
        s("/")
    );
    same!(
        gen(
            &m,
            &[("controller", "xml"), ("action", "articlerss"), ("id", "4")]
        ),
        s("/xml/articlerss/4/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "rss")]),
        s("/xml/rss/feed.xml")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "admin/comments"),
                ("action", "view"),
                ("article_id", "4"),
                ("id", "2")
            ]
        ),
        s("/admin/comments/article/4/view/2.html")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "admin/comments"),
                ("article_id", "4"),
                ("action", "edit"),
                ("id", "3")
            ]
        ),
        s("/admin/comments/article/4/edit/3.html")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004"),
                ("month", "2"),
                ("day", "20"),
                ("page", "1")
            ]
        ),
        s("/articles/2004/2/20/page/1")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "articlerss")]),
        s("/xml/articlerss/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "admin/comments"), ("id", "2")]),
        None
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004")
            ]
        ),
        None
    );
}

#[test]
fn generation_big_multiroute_with_nomin() {
    // Routes: test_generation.py test_big_multiroute_with_nomin
    let m = big_multiroute(false);
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "view_page"),
                ("name", "the/idiot/has/spoken")
            ]
        ),
        s("/pages/the/idiot/has/spoken")
    );
    same!(
        gen(&m, &[("controller", "articles"), ("action", "index")]),
        s("/")
    );
    same!(
        gen(
            &m,
            &[("controller", "xml"), ("action", "articlerss"), ("id", "4")]
        ),
        s("/xml/articlerss/4/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "rss")]),
        s("/xml/rss/feed.xml")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "admin/comments"),
                ("action", "view"),
                ("article_id", "4"),
                ("id", "2")
            ]
        ),
        s("/admin/comments/article/4/view/2")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004"),
                ("month", "2"),
                ("day", "20"),
                ("page", "1")
            ]
        ),
        s("/articles/2004/2/20/page/1")
    );
    same!(
        gen(&m, &[("controller", "articles"), ("action", "category")]),
        None
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "category"),
                ("id", "4")
            ]
        ),
        s("/articles/category/4")
    );
    same!(
        gen(&m, &[("controller", "xml"), ("action", "articlerss")]),
        s("/xml/articlerss/feed.xml")
    );
    same!(
        gen(&m, &[("controller", "admin/comments"), ("id", "2")]),
        None
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "articles"),
                ("action", "find_by_date"),
                ("year", "2004")
            ]
        ),
        None
    );
}

#[test]
fn generation_extras() {
    // Routes: test_generation.py test_extras
    let m = map([
        r("/viewpost/{id}").defaults([("controller", "post"), ("action", "view")]),
        r("/{controller}/{action}/{id}"),
    ]);
    same!(
        gen(
            &m,
            &[
                ("controller", "post"),
                ("action", "view"),
                ("id", "2"),
                ("extra", "x/y")
            ]
        ),
        s("/viewpost/2?extra=x%2Fy")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "post"),
                ("action", "view"),
                ("id", "2"),
                ("extra", "3")
            ]
        ),
        s("/viewpost/2?extra=3")
    );
}

#[test]
fn generation_extras_with_splits() {
    // Routes: test_generation.py test_extras_with_splits
    let m = map([
        r("/viewpost/{id}").defaults([("controller", "post"), ("action", "view")]),
        r("/{controller}/{action}/{id}"),
    ]);
    same!(
        gen(
            &m,
            &[
                ("controller", "post"),
                ("action", "view"),
                ("id", "2"),
                ("extra", "3")
            ]
        ),
        s("/viewpost/2?extra=3")
    );
}

#[test]
fn generation_typical() {
    // Routes: test_generation.py test_typical
    let m = map([r("/{controller}/{action}/{id}").default("action", "index")]);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "show"), ("id", "10")]
        ),
        s("/content/show/10")
    );
    ours!(
        gen(
            &m,
            &[
                ("controller", "admin/user"),
                ("action", "show"),
                ("id", "10")
            ]
        ),
        s("/admin%2Fuser/show/10"),
        s("/admin/user/show/10"),
        "a path value's `/` in generation",
    );
}

fn fixnum_default() -> Mapper {
    map([
        r("/page/{id}").defaults([
            ("controller", "content"),
            ("action", "show_page"),
            ("id", "1"),
        ]),
        r("/{controller}/{action}/{id}"),
    ])
}

#[test]
fn generation_route_with_fixnum_default() {
    // Routes: test_generation.py test_route_with_fixnum_default
    let m = fixnum_default();
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "show_page"),
                ("id", "10")
            ]
        ),
        s("/page/10")
    );
    same!(
        gen(
            &m,
            &[("controller", "blog"), ("action", "show"), ("id", "4")]
        ),
        s("/blog/show/4")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "show_page"),
                ("id", "4")
            ]
        ),
        s("/page/4")
    );
}

#[test]
fn generation_route_with_fixnum_default_with_splits() {
    // Routes: test_generation.py test_route_with_fixnum_default_with_splits
    let m = fixnum_default();
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "show_page"),
                ("id", "10")
            ]
        ),
        s("/page/10")
    );
    same!(
        gen(
            &m,
            &[("controller", "blog"), ("action", "show"), ("id", "4")]
        ),
        s("/blog/show/4")
    );
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "show_page"),
                ("id", "4")
            ]
        ),
        s("/page/4")
    );
}

#[test]
fn generation_uppercase_recognition() {
    // Routes: test_generation.py test_uppercase_recognition
    let m = map([r("/{controller}/{action}/{id}")]);
    same!(
        gen(
            &m,
            &[("controller", "Content"), ("action", "show"), ("id", "10")]
        ),
        s("/Content/show/10")
    );
}

#[test]
fn generation_set_to_nil_forgets() {
    // Routes: test_generation.py test_set_to_nil_forgets
    let m = map([r("/pages/{year}/{month}/{day}")
        .defaults([("controller", "content"), ("action", "list_pages")])]);
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "list_pages"),
                ("year", "2005"),
                ("month", "6"),
                ("day", "12")
            ]
        ),
        s("/pages/2005/6/12")
    );
}

#[test]
fn generation_route_with_end_extension() {
    // Routes: test_generation.py test_route_with_end_extension
    let m = map([r("/{controller}/{action}-{id}.html")]).controllers([
        "content",
        "blog",
        "admin/comments",
    ]);
    same!(
        gen(&m, &[("controller", "content"), ("action", "view")]),
        None
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "view"), ("id", "3")]
        ),
        s("/content/view-3.html")
    );
}

#[test]
fn generation_unicode_static() {
    // Routes: test_generation.py test_unicode_static
    let m = map([r("http://www.google.co.jp/search")
        .name("google-jp")
        .generate_only()]);
    let hoge = "\u{30c6}\u{30b9}\u{30c8}";
    same!(
        named(&m, "google-jp", &[("q", hoge)]),
        s("http://www.google.co.jp/search?q=%E3%83%86%E3%82%B9%E3%83%88")
    );
    same!(named(&m, "google-jp", &[("q", hoge)]).is_some(), true);
}

#[test]
fn generation_other_special_chars() {
    // Routes: test_generation.py test_other_special_chars
    let m = map([
        r("/{year}/{slug}.{format},{locale}").defaults([("locale", "en"), ("format", "html")])
    ]);
    same!(
        gen(
            &m,
            &[
                ("year", "2007"),
                ("slug", "test"),
                ("format", "xml"),
                ("locale", "ja")
            ]
        ),
        s("/2007/test.xml,ja")
    );
    same!(gen(&m, &[("year", "2007"), ("format", "html")]), None);
}

#[test]
fn generation_dynamic_with_default() {
    // Routes: test_generation.py test_dynamic_with_default
    let m = map([r("/hi/{action}")]);
    same!(gen(&m, &[("action", "show")]), s("/hi/show"));
    same!(
        gen(&m, &[("action", "list people")]),
        s("/hi/list%20people")
    );
}

fn false_equivs() -> Mapper {
    map([r("/article/{page}"), r("/{controller}/{action}/{id}")])
}

#[test]
fn generation_dynamic_with_false_equivs() {
    // Routes: test_generation.py test_dynamic_with_false_equivs
    // Python's `0` and `False` are given as the text they print as.
    let m = false_equivs();
    let blog = |id: &str| {
        gen(
            &m,
            &[("controller", "blog"), ("action", "view"), ("id", id)],
        )
    };
    same!(blog("0"), s("/blog/view/0"));
    same!(blog("0"), s("/blog/view/0"));
    same!(blog("False"), s("/blog/view/False"));
    same!(blog("False"), s("/blog/view/False"));
}

#[test]
fn generation_dynamic_with_underscore_parts() {
    // Routes: test_generation.py test_dynamic_with_underscore_parts
    let m = map([r("/article/{small_page}"), r("/{controller}/{action}/{id}")]);
    let blog = |id: &str| {
        gen(
            &m,
            &[("controller", "blog"), ("action", "view"), ("id", id)],
        )
    };
    same!(blog("0"), s("/blog/view/0"));
    same!(blog("False"), s("/blog/view/False"));
    same!(gen(&m, &[("small_page", "hobbes")]), s("/article/hobbes"));
}

#[test]
fn generation_dynamic_with_false_equivs_and_splits() {
    // Routes: test_generation.py test_dynamic_with_false_equivs_and_splits
    let m = false_equivs();
    let blog = |id: &str| {
        gen(
            &m,
            &[("controller", "blog"), ("action", "view"), ("id", id)],
        )
    };
    same!(blog("0"), s("/blog/view/0"));
    same!(blog("0"), s("/blog/view/0"));
    same!(blog("False"), s("/blog/view/False"));
    same!(blog("False"), s("/blog/view/False"));
}

#[test]
fn generation_dynamic_with_default_and_regexp_condition() {
    // Routes: test_generation.py test_dynamic_with_default_and_regexp_condition
    let m = map([r("/hi/{action}").requirement("action", "[a-z]+")]);
    same!(gen(&m, &[("action", "fox5")]), None);
    same!(gen(&m, &[("action", "something_is_up")]), None);
    same!(gen(&m, &[("action", "list people")]), None);
    same!(
        gen(&m, &[("action", "abunchofcharacter")]),
        s("/hi/abunchofcharacter")
    );
}

// ---- test_utils.py ----

/// The routes of Routes' `TestUtils` and `TestUtilsWithExplicit` set-ups
/// (`month=None, day=None`, `id=None` have no form: those values are required).
fn utils_routes() -> Vec<Route> {
    vec![
        r("/archive/{year}/{month}/{day}")
            .defaults([("controller", "blog"), ("action", "view")])
            .requirement("month", r"\d{1,2}")
            .requirement("day", r"\d{1,2}"),
        r("/viewpost/{id}").defaults([("controller", "post"), ("action", "view")]),
        r("/{controller}/{action}/{id}"),
    ]
}

fn utils_with(extra: impl IntoIterator<Item = Route>) -> Mapper {
    let mut routes = utils_routes();
    routes.extend(extra);
    map(routes)
}

/// Routes' `home` and `category_home` routes.
fn home_routes() -> Vec<Route> {
    vec![
        r("/")
            .name("home")
            .defaults([("controller", "blog"), ("action", "splash")]),
        r("/category/{section}").name("category_home").defaults([
            ("controller", "blog"),
            ("action", "view"),
            ("section", "home"),
        ]),
    ]
}

/// Routes' `url_for(controller=.., action=.., **kw)`.
fn ca(m: &Mapper, controller: &str, action: &str, kw: &[(&str, &str)]) -> Option<String> {
    m.url_for(controller, action, kw).ok()
}

#[test]
fn utils_url_for_with_nongen() {
    // Routes: test_utils.py TestUtils.test_url_for_with_nongen
    let urls = under(utils_with([]), "");
    same!(urls.path("/blog", &[]), "/blog");
    same!(
        urls.path("/blog", &[("q", "fred"), ("q", "here now")]),
        "/blog?q=fred&q=here%20now"
    );
}

#[test]
fn utils_url_for_with_nongen_no_encoding() {
    // Routes: test_utils.py TestUtils.test_url_for_with_nongen_no_encoding
    let urls = under(utils_with([]), "");
    same!(urls.path("/blog", &[]), "/blog");
}

#[test]
fn utils_url_for_with_unicode() {
    // Routes: test_utils.py TestUtils.test_url_for_with_unicode
    let m = utils_with([]);
    same!(
        ca(&m, "blog", "view", &[("id", "umulat")]),
        s("/blog/view/umulat")
    );
    same!(
        ca(
            &m,
            "blog",
            "view",
            &[("id", "umulat"), ("other", "\u{3b1}\u{3c3}\u{3b4}\u{3b3}")]
        ),
        s("/blog/view/umulat?other=%CE%B1%CF%83%CE%B4%CE%B3")
    );
    // Routes raises for a literal path with non-ASCII text; ours encodes it.
    ours!(
        Some(under(m, "").path("/some/st\u{c3}rng", &[])),
        s("/some/st%C3%83rng"),
        None,
        "a literal path with non-ASCII text",
    );
}

#[test]
fn utils_url_raises() {
    // Routes: test_utils.py TestUtils.test_url_raises
    let m = utils_with([]);
    same!(gen(&m, &[("action", "juice")]), None);
    same!(under(m, "").generate(&[("action", "juice")]).ok(), None);
}

#[test]
fn utils_url_for_with_defaults() {
    // Routes: test_utils.py TestUtils.test_url_for_with_defaults
    let m = utils_with([]);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(
        under(m, "").url_for("post", "view", &[("id", "4")]).ok(),
        s("/viewpost/4")
    );
}

#[test]
fn utils_url_for_with_more_defaults() {
    // Routes: test_utils.py TestUtils.test_url_for_with_more_defaults
    let m = utils_with([]);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(
        under(m, "").url_for("post", "view", &[("id", "4")]).ok(),
        s("/viewpost/4")
    );
}

#[test]
fn utils_url_for_with_defaults_and_qualified() {
    // Routes: test_utils.py TestUtils.test_url_for_with_defaults_and_qualified
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(
        under(m, "").url_for("post", "view", &[("id", "4")]).ok(),
        s("/viewpost/4")
    );
}

#[test]
fn utils_route_overflow() {
    // Routes: test_utils.py TestUtils.test_route_overflow
    let long = "x".repeat(50_000);
    let m = utils_with([r(&format!("/{long}")).name("route-overflow")]).controllers([long.clone()]);
    same!(named(&m, "route-overflow", &[]), Some(format!("/{long}")));
}

#[test]
fn utils_with_route_names() {
    // Routes: test_utils.py TestUtils.test_with_route_names
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(
        named(&m, "category_home", &[("section", "food")]),
        s("/category/food")
    );
    same!(named(&m, "home", &[]), s("/"));
}

fn building() -> Route {
    r("/building/{campus}/{building}/alljacks")
        .name("building")
        .defaults([("controller", "building"), ("action", "showjacks")])
}

#[test]
fn utils_with_route_names_and_defaults() {
    // Routes: test_utils.py TestUtils.test_with_route_names_and_defaults
    let mut routes = home_routes();
    routes.push(building());
    let m = utils_with(routes).controllers(["content", "blog", "admin/comments", "building"]);
    same!(named(&m, "home", &[]), s("/"));
    same!(under(m, "").url_for_route("home", &[]).ok(), s("/"));
}

#[test]
fn utils_with_route_names_and_hardcode() {
    // Routes: test_utils.py TestUtils.test_with_route_names_and_hardcode
    let mut routes = home_routes();
    routes.push(building());
    routes.push(r("/gallery/{img_id}_thumbnail.jpg").name("gallery_thumb"));
    routes.push(r("/gallery/{img_id}.jpg").name("gallery"));
    let m = utils_with(routes).controllers(["content", "blog", "admin/comments", "building"]);
    let urls = under(m, "");
    let m = urls.mapper();
    // hardcode_names = False
    same!(named(m, "home", &[]), s("/"));
    same!(
        named(m, "gallery_thumb", &[("img_id", "home")]),
        s("/gallery/home_thumbnail.jpg")
    );
    ours!(
        named(m, "gallery", &[("img_id", "home")]),
        s("/gallery/home.jpg"),
        s("/gallery/home_thumbnail.jpg"),
        "`hardcode_names=False`",
    );
    same!(urls.url_for_route("home", &[]).ok(), s("/"));
    same!(
        urls.url_for_route("gallery_thumb", &[("img_id", "home")])
            .ok(),
        s("/gallery/home_thumbnail.jpg")
    );
    ours!(
        urls.url_for_route("gallery", &[("img_id", "home")]).ok(),
        s("/gallery/home.jpg"),
        s("/gallery/home_thumbnail.jpg"),
        "`hardcode_names=False`",
    );
    // hardcode_names = True
    same!(
        named(m, "gallery_thumb", &[("img_id", "home")]),
        s("/gallery/home_thumbnail.jpg")
    );
    same!(
        named(m, "gallery", &[("img_id", "home")]),
        s("/gallery/home.jpg")
    );
    same!(
        urls.url_for_route("gallery_thumb", &[("img_id", "home")])
            .ok(),
        s("/gallery/home_thumbnail.jpg")
    );
    same!(
        urls.url_for_route("gallery", &[("img_id", "home")]).ok(),
        s("/gallery/home.jpg")
    );
}

#[test]
fn utils_redirect_to() {
    // Routes: test_utils.py TestUtils.test_redirect_to
    let m = utils_with([]).controllers(["content", "blog", "admin/comments"]);
    same!(
        ca(&m, "content", "lookup", &[("id", "4")]),
        s("/content/lookup/4")
    );
    let urls = under(m, "");
    same!(
        urls.path("http://www.example.com/", &[]),
        "http://www.example.com/"
    );
    same!(
        urls.path("/somewhere.html", &[("var", "keyword")]),
        "/somewhere.html?var=keyword"
    );
}

#[test]
fn utils_redirect_to_with_route_names() {
    // Routes: test_utils.py TestUtils.test_redirect_to_with_route_names
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(
        named(&m, "category_home", &[("section", "food")]),
        s("/category/food")
    );
    same!(named(&m, "home", &[]), s("/"));
}

fn static_routes() -> Vec<Route> {
    vec![
        r("/{controller}/{action}/{id}"),
        r("http://www.groovie.org/").name("home").generate_only(),
        r("/nasa/images").name("space").generate_only(),
    ]
}

#[test]
fn utils_static_route() {
    // Routes: test_utils.py TestUtils.test_static_route
    let urls = under(
        utils_with(static_routes()).controllers(["content", "blog"]),
        "",
    );
    same!(
        urls.url_for_route("home", &[]).ok(),
        s("http://www.groovie.org/")
    );
    same!(
        urls.url_for_route("home", &[("s", "stars")]).ok(),
        s("http://www.groovie.org/?s=stars")
    );
    same!(
        urls.url_for_route("space", &[("search", "all")]).ok(),
        s("/nasa/images?search=all")
    );
}

#[test]
fn utils_static_route_with_script() {
    // Routes: test_utils.py TestUtils.test_static_route_with_script
    let mut routes = static_routes();
    routes.push(r("/login").name("login").default("action", "nowhereville"));
    let urls = under(
        utils_with(routes).controllers(["content", "blog"]),
        "/webapp",
    );
    same!(
        urls.url_for_route("home", &[]).ok(),
        s("http://www.groovie.org/")
    );
    same!(
        urls.url_for_route("home", &[("s", "stars")]).ok(),
        s("http://www.groovie.org/?s=stars")
    );
    same!(
        urls.url_for_route("space", &[("search", "all")]).ok(),
        s("/webapp/nasa/images?search=all")
    );
}

#[test]
fn utils_static_route_with_vars() {
    // Routes: test_utils.py TestUtils.test_static_route_with_vars
    let urls = under(
        utils_with([
            r("http://{domain}.groovie.org/{location}")
                .name("home")
                .generate_only(),
            r("/nasa/{location}").name("space").generate_only(),
        ])
        .controllers(["home", "space"]),
        "/webapp",
    );
    same!(urls.url_for_route("home", &[]).ok(), None);
    same!(urls.url_for_route("home", &[("domain", "fred")]).ok(), None);
    same!(
        urls.url_for_route("home", &[("location", "index")]).ok(),
        None
    );
    same!(
        urls.url_for_route("home", &[("domain", "fred"), ("location", "index")])
            .ok(),
        s("http://fred.groovie.org/index")
    );
    same!(
        urls.url_for_route(
            "home",
            &[("domain", "fred"), ("location", "index"), ("search", "all")]
        )
        .ok(),
        s("http://fred.groovie.org/index?search=all")
    );
    same!(
        urls.url_for_route("space", &[("location", "images"), ("search", "all")])
            .ok(),
        s("/webapp/nasa/images?search=all")
    );
}

#[test]
fn utils_static_route_with_vars_and_defaults() {
    // Routes: test_utils.py TestUtils.test_static_route_with_vars_and_defaults
    let urls = under(
        utils_with([
            r("http://{domain}.groovie.org/{location}")
                .name("home")
                .default("domain", "routes")
                .generate_only(),
            r("/nasa/{location}")
                .name("space")
                .default("location", "images")
                .generate_only(),
        ])
        .controllers(["home", "space"]),
        "/webapp",
    );
    // url_for
    same!(urls.url_for_route("home", &[]).ok(), None);
    same!(urls.url_for_route("home", &[("domain", "fred")]).ok(), None);
    same!(
        urls.url_for_route("home", &[("location", "index")]).ok(),
        s("http://routes.groovie.org/index")
    );
    same!(
        urls.url_for_route("home", &[("domain", "fred"), ("location", "index")])
            .ok(),
        s("http://fred.groovie.org/index")
    );
    same!(
        urls.url_for_route("home", &[("location", "index"), ("search", "all")])
            .ok(),
        s("http://routes.groovie.org/index?search=all")
    );
    same!(
        urls.url_for_route(
            "home",
            &[("domain", "fred"), ("location", "index"), ("search", "all")]
        )
        .ok(),
        s("http://fred.groovie.org/index?search=all")
    );
    same!(
        urls.url_for_route("space", &[("location", "articles"), ("search", "all")])
            .ok(),
        s("/webapp/nasa/articles?search=all")
    );
    same!(
        urls.url_for_route("space", &[("search", "all")]).ok(),
        s("/webapp/nasa/images?search=all")
    );
    // url.current: the same generator, asked through the mapper.
    let m = urls.mapper();
    same!(m.url_for_route("home", &[]).ok(), None);
    same!(m.url_for_route("home", &[("domain", "fred")]).ok(), None);
    same!(
        m.url_for_route("home", &[("location", "index")]).ok(),
        s("http://routes.groovie.org/index")
    );
    same!(
        m.url_for_route("home", &[("domain", "fred"), ("location", "index")])
            .ok(),
        s("http://fred.groovie.org/index")
    );
    same!(
        m.url_for_route("home", &[("location", "index"), ("search", "all")])
            .ok(),
        s("http://routes.groovie.org/index?search=all")
    );
    same!(
        m.url_for_route(
            "home",
            &[("domain", "fred"), ("location", "index"), ("search", "all")]
        )
        .ok(),
        s("http://fred.groovie.org/index?search=all")
    );
    same!(
        urls.url_for_route("space", &[("location", "articles"), ("search", "all")])
            .ok(),
        s("/webapp/nasa/articles?search=all")
    );
    same!(
        urls.url_for_route("space", &[("search", "all")]).ok(),
        s("/webapp/nasa/images?search=all")
    );
}

#[test]
fn utils_static_route_with_vars_and_requirements() {
    // Routes: test_utils.py TestUtils.test_static_route_with_vars_and_requirements
    let urls = under(
        utils_with([
            r("http://{domain}.groovie.org/{location}")
                .name("home")
                .requirement("domain", "fred|bob")
                .generate_only(),
            r("/nasa/articles/{year}/{month}")
                .name("space")
                .requirement("year", r"\d{2,4}")
                .requirement("month", r"\d{1,2}")
                .generate_only(),
        ])
        .controllers(["home", "space"]),
        "/webapp",
    );
    let home = |domain: &str, location: &str| {
        urls.url_for_route("home", &[("domain", domain), ("location", location)])
            .ok()
    };
    let space = |year: &str, month: &str| {
        urls.url_for_route("space", &[("year", year), ("month", month)])
            .ok()
    };
    // url_for
    same!(home("george", "index"), None);
    same!(space("asdf", "1"), None);
    same!(space("2004", "a"), None);
    same!(space("1", "1"), None);
    same!(space("20045", "1"), None);
    same!(space("2004", "123"), None);
    same!(home("fred", "index"), s("http://fred.groovie.org/index"));
    same!(home("bob", "index"), s("http://bob.groovie.org/index"));
    same!(home("fred", "asdf"), s("http://fred.groovie.org/asdf"));
    same!(space("2004", "6"), s("/webapp/nasa/articles/2004/6"));
    same!(space("2004", "12"), s("/webapp/nasa/articles/2004/12"));
    same!(space("89", "6"), s("/webapp/nasa/articles/89/6"));
    // url.current: the same generator.
    same!(home("george", "index"), None);
    same!(space("asdf", "1"), None);
    same!(space("2004", "a"), None);
    same!(space("1", "1"), None);
    same!(space("20045", "1"), None);
    same!(space("2004", "123"), None);
    same!(home("fred", "index"), s("http://fred.groovie.org/index"));
    same!(home("bob", "index"), s("http://bob.groovie.org/index"));
    same!(home("fred", "asdf"), s("http://fred.groovie.org/asdf"));
    same!(space("2004", "6"), s("/webapp/nasa/articles/2004/6"));
    same!(space("2004", "12"), s("/webapp/nasa/articles/2004/12"));
    same!(space("89", "6"), s("/webapp/nasa/articles/89/6"));
}

fn literal_cases(urls: &Urls, prefix: &str) {
    same!(
        urls.path("http://www.google.com/search", &[]),
        "http://www.google.com/search"
    );
    same!(
        urls.path("http://www.google.com/search", &[("q", "routes")]),
        "http://www.google.com/search?q=routes"
    );
    same!(
        urls.path("/delicious.jpg", &[]),
        format!("{prefix}/delicious.jpg")
    );
    same!(
        urls.path("/delicious/search", &[("v", "routes")]),
        format!("{prefix}/delicious/search?v=routes")
    );
}

#[test]
fn utils_no_named_path() {
    // Routes: test_utils.py TestUtils.test_no_named_path
    // (four cases, in `literal_cases`)
    let urls = under(
        utils_with(static_routes()).controllers(["content", "blog"]),
        "",
    );
    literal_cases(&urls, "");
}

#[test]
fn utils_append_slash() {
    // Routes: test_utils.py TestUtils.test_append_slash
    // (four cases, in `literal_cases`)
    let urls = under(
        utils_with(static_routes()).controllers(["content", "blog"]),
        "",
    );
    literal_cases(&urls, "");
}

#[test]
fn utils_no_named_path_with_script() {
    // Routes: test_utils.py TestUtils.test_no_named_path_with_script
    // (four cases, in `literal_cases`)
    let urls = under(
        utils_with(static_routes()).controllers(["content", "blog"]),
        "/webapp",
    );
    literal_cases(&urls, "/webapp");
}

#[test]
fn utils_explicit_url_for() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_url_for
    let m = utils_with([]);
    same!(gen(&m, &[("controller", "blog")]), None);
    same!(gen(&m, &[]), None);
    same!(ca(&m, "blog", "view", &[("id", "3")]), s("/blog/view/3"));
}

#[test]
fn utils_explicit_url_for_with_defaults() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_url_for_with_defaults
    // (Routes' current values are not used with `explicit=True`.)
    let m = utils_with([]);
    same!(gen(&m, &[]), None);
    same!(gen(&m, &[("controller", "post")]), None);
    same!(gen(&m, &[("id", "2")]), None);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(gen(&m, &[("month", "10")]), None);
    same!(gen(&m, &[("month", "9"), ("day", "2")]), None);
    same!(gen(&m, &[("controller", "blog")]), None);
}

#[test]
fn utils_explicit_url_for_with_more_defaults() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_url_for_with_more_defaults
    let m = utils_with([]);
    same!(gen(&m, &[]), None);
    same!(gen(&m, &[("controller", "post")]), None);
    same!(gen(&m, &[("id", "2")]), None);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(gen(&m, &[("month", "10")]), None);
    same!(gen(&m, &[]), None);
}

#[test]
fn utils_explicit_url_for_with_defaults_and_qualified() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_url_for_with_defaults_and_qualified
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(gen(&m, &[]), None);
    same!(gen(&m, &[("controller", "post")]), None);
    same!(gen(&m, &[("id", "2")]), None);
    same!(ca(&m, "post", "view", &[("id", "4")]), s("/viewpost/4"));
    same!(gen(&m, &[("controller", "post")]), None);
}

#[test]
fn utils_explicit_with_route_names() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_with_route_names
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(
        gen(&m, &[("controller", "content"), ("action", "view")]),
        None
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(gen(&m, &[("controller", "admin/comments")]), None);
    same!(
        named(&m, "category_home", &[("section", "food")]),
        s("/category/food")
    );
    same!(named(&m, "home", &[("controller", "content")]), None);
    same!(named(&m, "home", &[]), s("/"));
}

#[test]
fn utils_explicit_with_route_names_and_nomin() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_with_route_names_and_nomin
    let m = utils_with(home_routes()).controllers(["content", "blog", "admin/comments"]);
    same!(
        gen(&m, &[("controller", "content"), ("action", "view")]),
        None
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(gen(&m, &[("controller", "admin/comments")]), None);
    same!(named(&m, "category_home", &[]), s("/category/home"));
    same!(
        named(&m, "category_home", &[("section", "food")]),
        s("/category/food")
    );
    same!(named(&m, "home", &[("controller", "content")]), None);
    same!(named(&m, "home", &[]), s("/"));
}

#[test]
fn utils_explicit_with_route_names_and_defaults() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_with_route_names_and_defaults
    let mut routes = home_routes();
    routes.push(building());
    let m = utils_with(routes).controllers(["content", "blog", "admin/comments", "building"]);
    same!(gen(&m, &[]), None);
    same!(
        ca(
            &m,
            "building",
            "showjacks",
            &[("campus", "wilma"), ("building", "port")]
        ),
        s("/building/wilma/port/alljacks")
    );
    same!(named(&m, "home", &[]), s("/"));
}

fn resource_names(m: &Mapper) {
    same!(
        gen(m, &[("controller", "content"), ("action", "view")]),
        None
    );
    same!(gen(m, &[("controller", "content")]), None);
    same!(gen(m, &[("controller", "admin/comments")]), None);
    same!(named(m, "messages", &[]), s("/messages"));
    same!(named(m, "message", &[("id", "4")]), s("/messages/4"));
    same!(
        named(m, "edit_message", &[("id", "4")]),
        s("/messages/4/edit")
    );
    same!(named(m, "new_message", &[]), s("/messages/new"));
    same!(
        named(m, "formatted_messages", &[("format", "xml")]),
        s("/messages.xml")
    );
    same!(
        named(m, "formatted_message", &[("id", "4"), ("format", "xml")]),
        s("/messages/4.xml")
    );
    same!(
        named(
            m,
            "formatted_edit_message",
            &[("id", "4"), ("format", "xml")]
        ),
        s("/messages/4/edit.xml")
    );
    same!(
        named(m, "formatted_new_message", &[("format", "xml")]),
        s("/messages/new.xml")
    );
}

#[test]
fn utils_explicit_with_resource_route_names() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_with_resource_route_names
    // (eleven cases, in `resource_names`)
    let m = Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .controllers(["messages"]);
    resource_names(&m);
}

#[test]
fn utils_explicit_with_resource_route_names_and_nomin() {
    // Routes: test_utils.py TestUtilsWithExplicit.test_with_resource_route_names_and_nomin
    // (eleven cases, in `resource_names`)
    let m = Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .controllers(["messages"]);
    resource_names(&m);
}

// ---- test_recognition.py ----

#[test]
fn recognition_regexp_char_escaping() {
    // Routes: test_recognition.py test_regexp_char_escaping
    let m = map([r("/{controller}/{action}.{id}")]).controllers(["content"]);
    same!(
        rec(&m, "/content/view.2"),
        d(&[("action", "view"), ("controller", "content"), ("id", "2")])
    );
    let m = map([
        r("/{controller}/{action}.{id}"),
        r("/{controller}/{action}/{id}"),
    ])
    .controllers(["content", "find.all"]);
    same!(rec(&m, "/findzall/view"), None);
}

#[test]
fn recognition_all_static() {
    // Routes: test_recognition.py test_all_static
    let m =
        map([r("/hello/world/how/are/you")
            .defaults([("controller", "content"), ("action", "index")])])
        .controllers(Vec::<String>::new());
    same!(rec(&m, "/x"), None);
    same!(rec(&m, "/hello/world/how"), None);
    same!(rec(&m, "/hello/world/how/are"), None);
    same!(rec(&m, "/hello/world/how/are/you/today"), None);
    same!(
        rec(&m, "/hello/world/how/are/you"),
        d(&[("controller", "content"), ("action", "index")])
    );
}

#[test]
fn recognition_basic_dynamic() {
    // Routes: test_recognition.py test_basic_dynamic
    let m = map([r("/hi/{name}").default("controller", "content")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(rec(&m, "/hi/dude/what"), None);
}

#[test]
fn recognition_basic_dynamic_backwards() {
    // Routes: test_recognition.py test_basic_dynamic_backwards
    let m = map([r("/{name}/hi")]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/hi"), None);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/shop/wallmart/hi"), None);
}

#[test]
fn recognition_dynamic_with_underscores() {
    // Routes: test_recognition.py test_dynamic_with_underscores
    let m = map([r("/article/{small_page}"), r("/{controller}/{action}/{id}")])
        .controllers(["article", "blog"]);
    same!(
        rec(&m, "/blog/view/0"),
        d(&[("controller", "blog"), ("action", "view"), ("id", "0")])
    );
}

#[test]
fn recognition_dynamic_with_default() {
    // Routes: test_recognition.py test_dynamic_with_default
    let m = map([r("/hi/{action}").default("controller", "content")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi/dude/what"), None);
    same!(
        rec(&m, "/hi/index"),
        d(&[("controller", "content"), ("action", "index")])
    );
    same!(
        rec(&m, "/hi/dude"),
        d(&[("controller", "content"), ("action", "dude")])
    );
}

#[test]
fn recognition_dynamic_with_default_backwards() {
    // Routes: test_recognition.py test_dynamic_with_default_backwards
    let m = map([r("/{action}/hi").default("controller", "content")]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(
        rec(&m, "/index/hi"),
        d(&[("controller", "content"), ("action", "index")])
    );
    same!(
        rec(&m, "/dude/hi"),
        d(&[("controller", "content"), ("action", "dude")])
    );
}

#[test]
fn recognition_dynamic_with_string_condition() {
    // Routes: test_recognition.py test_dynamic_with_string_condition
    let m = map([r("/{name}/hi")
        .default("controller", "content")
        .requirement("name", "index")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(rec(&m, "/dude/what/hi"), None);
    same!(rec(&m, "/dude/hi"), None);
}

#[test]
fn recognition_dynamic_with_string_condition_backwards() {
    // Routes: test_recognition.py test_dynamic_with_string_condition_backwards
    let m = map([r("/hi/{name}")
        .default("controller", "content")
        .requirement("name", "index")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(rec(&m, "/hi/dude/what"), None);
    same!(rec(&m, "/hi/dude"), None);
}

#[test]
fn recognition_dynamic_with_regexp_condition() {
    // Routes: test_recognition.py test_dynamic_with_regexp_condition
    let m = map([r("/hi/{name}")
        .default("controller", "content")
        .requirement("name", "[a-z]+")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(rec(&m, "/hi/FOXY"), None);
    same!(rec(&m, "/hi/138708jkhdf"), None);
    same!(rec(&m, "/hi/dkjfl8792343dfsf"), None);
    same!(rec(&m, "/hi/dude/what"), None);
    same!(rec(&m, "/hi/dude/what/"), None);
}

#[test]
fn recognition_dynamic_with_regexp_and_default() {
    // Routes: test_recognition.py test_dynamic_with_regexp_and_default
    let m = map([r("/hi/{action}")
        .default("controller", "content")
        .requirement("action", "[a-z]+")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi/FOXY"), None);
    same!(rec(&m, "/hi/138708jkhdf"), None);
    same!(rec(&m, "/hi/dkjfl8792343dfsf"), None);
    same!(rec(&m, "/hi/dude/what/"), None);
    same!(
        rec(&m, "/hi/index"),
        d(&[("controller", "content"), ("action", "index")])
    );
    same!(
        rec(&m, "/hi/dude"),
        d(&[("controller", "content"), ("action", "dude")])
    );
}

#[test]
fn recognition_dynamic_with_default_and_string_condition_backwards() {
    // Routes: test_recognition.py test_dynamic_with_default_and_string_condition_backwards
    let m = map([r("/{action}/hi")]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
}

#[test]
fn recognition_dynamic_and_controller_with_string_and_default_backwards() {
    // Routes: test_recognition.py test_dynamic_and_controller_with_string_and_default_backwards
    let m = map([r("/{controller}/{action}/hi").default("controller", "content")])
        .controllers(["content", "admin/user"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/fred"), None);
}

/// Routes' `test_multiroute` routes, with `create_regs(['post','blog','admin/user'])`.
fn rec_multiroute() -> Mapper {
    multiroute().controllers(["post", "blog", "admin/user"])
}

#[test]
fn recognition_multiroute() {
    // Routes: test_recognition.py test_multiroute
    let m = rec_multiroute();
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archive"), None);
    same!(rec(&m, "/archive/2004/ab"), None);
}

#[test]
fn recognition_multiroute_with_nomin() {
    // Routes: test_recognition.py test_multiroute_with_nomin
    let m = rec_multiroute();
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archive"), None);
    same!(rec(&m, "/archive/2004/ab"), None);
    same!(rec(&m, "/archive/2004/4"), None);
    same!(rec(&m, "/archive/2004"), None);
    same!(
        rec(&m, "/blog/view/3"),
        d(&[("controller", "blog"), ("action", "view"), ("id", "3")])
    );
    same!(
        rec(&m, "/archive/2004/10/23"),
        d(&[
            ("controller", "blog"),
            ("action", "view"),
            ("month", "10"),
            ("day", "23"),
            ("year", "2004")
        ])
    );
}

#[test]
fn recognition_multiroute_with_splits() {
    // Routes: test_recognition.py test_multiroute_with_splits
    let m = rec_multiroute();
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archive"), None);
    same!(rec(&m, "/archive/2004/ab"), None);
}

fn regexp_gaps() -> Mapper {
    map([
        r("/archive/{year}/{month}/{day}")
            .defaults([("controller", "blog"), ("action", "view")])
            .requirement("month", r"\d{1,2}"),
        r("/view/{id}/{controller}")
            .defaults([("controller", "blog"), ("id", "2"), ("action", "view")])
            .requirement("id", r"\d{1,2}"),
    ])
    .controllers(["post", "blog", "admin/user"])
}

#[test]
fn recognition_dynamic_with_regexp_defaults_and_gaps() {
    // Routes: test_recognition.py test_dynamic_with_regexp_defaults_and_gaps
    let m = regexp_gaps();
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archive"), None);
    same!(rec(&m, "/archive/2004/haha"), None);
    same!(rec(&m, "/view/blog"), None);
}

#[test]
fn recognition_dynamic_with_regexp_defaults_and_gaps_and_splits() {
    // Routes: test_recognition.py test_dynamic_with_regexp_defaults_and_gaps_and_splits
    let m = regexp_gaps();
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archive"), None);
    same!(rec(&m, "/archive/2004/haha"), None);
    same!(rec(&m, "/view/blog"), None);
}

#[test]
fn recognition_dynamic_with_regexp_gaps_controllers() {
    // Routes: test_recognition.py test_dynamic_with_regexp_gaps_controllers
    let m = map([r("/view/{id}/{controller}")
        .defaults([("id", "2"), ("action", "view")])
        .requirement("id", r"\d{1,2}")])
    .controllers(["post", "blog", "admin/user"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/view"), None);
    same!(rec(&m, "/view/blog"), None);
    same!(rec(&m, "/view/3"), None);
    same!(rec(&m, "/view/4/honker"), None);
    same!(
        rec(&m, "/view/2/blog"),
        d(&[("controller", "blog"), ("action", "view"), ("id", "2")])
    );
}

#[test]
fn recognition_dynamic_with_trailing_strings() {
    // Routes: test_recognition.py test_dynamic_with_trailing_strings
    let m = map([r("/view/{id}/{controller}/super")
        .defaults([("controller", "blog"), ("id", "2"), ("action", "view")])
        .requirement("id", r"\d{1,2}")])
    .controllers(["post", "blog", "admin/user"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/view"), None);
    same!(rec(&m, "/view/blah/blog/super"), None);
    same!(rec(&m, "/view/ha/super"), None);
    same!(rec(&m, "/view/super"), None);
    same!(rec(&m, "/view/4/super"), None);
    same!(
        rec(&m, "/view/2/blog/super"),
        d(&[("controller", "blog"), ("action", "view"), ("id", "2")])
    );
    same!(
        rec(&m, "/view/4/admin/user/super"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("id", "4")
        ])
    );
}

#[test]
fn recognition_dynamic_with_trailing_non_keyword_strings() {
    // Routes: test_recognition.py test_dynamic_with_trailing_non_keyword_strings
    let m = map([
        r("/somewhere/{over}/rainbow").default("controller", "blog"),
        r("/somewhere/{over}").default("controller", "post"),
    ])
    .controllers(["post", "blog", "admin/user"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/somewhere"), None);
}

#[test]
fn recognition_dynamic_with_trailing_dyanmic_defaults() {
    // Routes: test_recognition.py test_dynamic_with_trailing_dyanmic_defaults
    let m = map([r("/archives/{action}/{article}").default("controller", "blog")])
        .controllers(["blog"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/archives"), None);
    same!(rec(&m, "/archives/introduction"), None);
    same!(rec(&m, "/archives/sample"), None);
    same!(rec(&m, "/view/super"), None);
    same!(rec(&m, "/view/4/super"), None);
    same!(
        rec(&m, "/archives/view/introduction"),
        d(&[
            ("controller", "blog"),
            ("action", "view"),
            ("article", "introduction")
        ])
    );
    same!(
        rec(&m, "/archives/edit/recipes"),
        d(&[
            ("controller", "blog"),
            ("action", "edit"),
            ("article", "recipes")
        ])
    );
}

#[test]
fn recognition_path() {
    // Routes: test_recognition.py test_path
    let m = map([r("/hi/{*file}").defaults([("controller", "content"), ("action", "download")])]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi"), None);
    same!(
        rec(&m, "/hi/books/learning_python.pdf"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "books/learning_python.pdf")
        ])
    );
    same!(
        rec(&m, "/hi/dude"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude")
        ])
    );
    same!(
        rec(&m, "/hi/dude/what"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude/what")
        ])
    );
}

#[test]
fn recognition_path_with_dynamic() {
    // Routes: test_recognition.py test_path_with_dynamic
    let m = map([r("/{controller}/{action}/{*url}")]).controllers(["content", "admin/user"]);
    same!(rec(&m, "/"), None);
    same!(rec(&m, "/blog"), None);
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/content/view"), None);
    same!(
        rec(&m, "/content/view/blob"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("url", "blob")
        ])
    );
    same!(rec(&m, "/admin/user"), None);
    same!(rec(&m, "/admin/user/view"), None);
    same!(
        rec(&m, "/admin/user/view/blob/check"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("url", "blob/check")
        ])
    );
}

#[test]
fn recognition_path_with_dyanmic_and_default() {
    // Routes: test_recognition.py test_path_with_dyanmic_and_default
    let m = map([r("/{controller}/{action}/{*url}")
        .defaults([("controller", "content"), ("action", "view")])])
    .controllers(["content", "admin/user"]);
    same!(rec(&m, "/goober/view/here"), None);
    same!(
        rec(&m, "/content/view/fred"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("url", "fred")
        ])
    );
}

fn download(file_route: &str) -> Mapper {
    map([r(file_route).defaults([("controller", "content"), ("action", "download")])])
}

#[test]
fn recognition_path_with_dynamic_and_default_backwards() {
    // Routes: test_recognition.py test_path_with_dynamic_and_default_backwards
    let m = download("/{*file}/login");
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(
        rec(&m, "/books/learning_python.pdf/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "books/learning_python.pdf")
        ])
    );
    same!(
        rec(&m, "/dude/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude")
        ])
    );
    same!(
        rec(&m, "/dude/what/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude/what")
        ])
    );
}

#[test]
fn recognition_path_backwards() {
    // Routes: test_recognition.py test_path_backwards
    let m = download("/{*file}/login");
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/login"), None);
    same!(
        rec(&m, "/books/learning_python.pdf/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "books/learning_python.pdf")
        ])
    );
    same!(
        rec(&m, "/dude/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude")
        ])
    );
    same!(
        rec(&m, "/dude/what/login"),
        d(&[
            ("controller", "content"),
            ("action", "download"),
            ("file", "dude/what")
        ])
    );
}

fn backwards_with_controller(m: &Mapper) {
    same!(rec(m, "/boo"), None);
    same!(rec(m, "/boo/blah"), None);
    same!(rec(m, "/login"), None);
    same!(
        rec(m, "/books/learning_python.pdf/login"),
        d(&[
            ("controller", "content"),
            ("action", "check_access"),
            ("url", "books/learning_python.pdf")
        ])
    );
    same!(
        rec(m, "/dude/login"),
        d(&[
            ("controller", "content"),
            ("action", "check_access"),
            ("url", "dude")
        ])
    );
    same!(
        rec(m, "/dude/what/login"),
        d(&[
            ("controller", "content"),
            ("action", "check_access"),
            ("url", "dude/what")
        ])
    );
    same!(rec(m, "/admin/user"), None);
    same!(
        rec(m, "/books/learning_python.pdf/admin/user"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("url", "books/learning_python.pdf")
        ])
    );
    same!(
        rec(m, "/dude/admin/user"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("url", "dude")
        ])
    );
    same!(
        rec(m, "/dude/what/admin/user"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("url", "dude/what")
        ])
    );
}

fn url_then_controller() -> Mapper {
    map([
        r("/{*url}/login").defaults([("controller", "content"), ("action", "check_access")]),
        r("/{*url}/{controller}").default("action", "view"),
    ])
    .controllers(["content", "admin/user"])
}

#[test]
fn recognition_path_backwards_with_controller() {
    // Routes: test_recognition.py test_path_backwards_with_controller
    // (ten cases, in `backwards_with_controller`)
    backwards_with_controller(&url_then_controller());
}

#[test]
fn recognition_path_backwards_with_controller_and_splits() {
    // Routes: test_recognition.py test_path_backwards_with_controller_and_splits
    // (ten cases, in `backwards_with_controller`)
    backwards_with_controller(&url_then_controller());
}

#[test]
fn recognition_controller() {
    // Routes: test_recognition.py test_controller
    let m =
        map([r("/hi/{controller}").default("action", "hi")]).controllers(["content", "admin/user"]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi/13870948"), None);
    same!(rec(&m, "/hi/content/dog"), None);
    same!(rec(&m, "/hi/admin/user/foo"), None);
    same!(rec(&m, "/hi/admin/user/foo/"), None);
    same!(
        rec(&m, "/hi/content"),
        d(&[("controller", "content"), ("action", "hi")])
    );
    same!(
        rec(&m, "/hi/admin/user"),
        d(&[("controller", "admin/user"), ("action", "hi")])
    );
}

#[test]
fn recognition_standard_route() {
    // Routes: test_recognition.py test_standard_route
    let m = map([r("/{controller}/{action}/{id}")]).controllers(["content", "admin/user"]);
    same!(
        rec(&m, "/content/show/10"),
        d(&[("controller", "content"), ("action", "show"), ("id", "10")])
    );
    same!(
        rec(&m, "/admin/user/show/bbangert"),
        d(&[
            ("controller", "admin/user"),
            ("action", "show"),
            ("id", "bbangert")
        ])
    );
    same!(rec(&m, "/content/show/10/20"), None);
    same!(rec(&m, "/food"), None);
}

#[test]
fn recognition_standard_route_with_gaps() {
    // Routes: test_recognition.py test_standard_route_with_gaps
    let m = map([r("/{controller}/{action}/{id}.py")]).controllers(["content", "admin/user"]);
    same!(
        rec(&m, "/content/index/None.py"),
        d(&[
            ("controller", "content"),
            ("action", "index"),
            ("id", "None")
        ])
    );
    same!(
        rec(&m, "/content/list/None.py"),
        d(&[
            ("controller", "content"),
            ("action", "list"),
            ("id", "None")
        ])
    );
    same!(
        rec(&m, "/content/show/10.py"),
        d(&[("controller", "content"), ("action", "show"), ("id", "10")])
    );
}

#[test]
fn recognition_standard_route_with_gaps_and_domains() {
    // Routes: test_recognition.py test_standard_route_with_gaps_and_domains
    let m = map([
        r("/manage/{domain}.{ext}").defaults([
            ("controller", "admin/user"),
            ("action", "view"),
            ("ext", "html"),
        ]),
        r("/{controller}/{action}/{id}"),
    ])
    .controllers(["content", "admin/user"]);
    same!(
        rec(&m, "/content/index/None.py"),
        d(&[
            ("controller", "content"),
            ("action", "index"),
            ("id", "None.py")
        ])
    );
    same!(
        rec(&m, "/content/list/None.py"),
        d(&[
            ("controller", "content"),
            ("action", "list"),
            ("id", "None.py")
        ])
    );
    same!(
        rec(&m, "/content/show/10.py"),
        d(&[
            ("controller", "content"),
            ("action", "show"),
            ("id", "10.py")
        ])
    );
    same!(
        rec(&m, "/content/show.all/10.py"),
        d(&[
            ("controller", "content"),
            ("action", "show.all"),
            ("id", "10.py")
        ])
    );
    same!(
        rec(&m, "/content/show/www.groovie.org"),
        d(&[
            ("controller", "content"),
            ("action", "show"),
            ("id", "www.groovie.org")
        ])
    );
    same!(
        rec(&m, "/manage/groovie.xml"),
        d(&[
            ("controller", "admin/user"),
            ("action", "view"),
            ("ext", "xml"),
            ("domain", "groovie")
        ])
    );
}

#[test]
fn recognition_standard_with_domains() {
    // Routes: test_recognition.py test_standard_with_domains
    let m = map([r("/manage/{domain}").defaults([("controller", "domains"), ("action", "view")])])
        .controllers(["domains"]);
    same!(
        rec(&m, "/manage/www.groovie.org"),
        d(&[
            ("controller", "domains"),
            ("action", "view"),
            ("domain", "www.groovie.org")
        ])
    );
}

#[test]
fn recognition_default_route() {
    // Routes: test_recognition.py test_default_route
    let m = map([r("/").defaults([("controller", "content"), ("action", "index")])])
        .controllers(["content"]);
    same!(rec(&m, "/x"), None);
    same!(rec(&m, "/hello/world"), None);
    same!(rec(&m, "/hello/world/how/are"), None);
    same!(rec(&m, "/hello/world/how/are/you/today"), None);
    same!(
        rec(&m, "/"),
        d(&[("controller", "content"), ("action", "index")])
    );
}

#[test]
fn recognition_splits_with_extension() {
    // Routes: test_recognition.py test_splits_with_extension
    let m = map([r("/hi/{action}.html").default("controller", "content")]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/boo/blah"), None);
    same!(rec(&m, "/hi/dude/what"), None);
    same!(rec(&m, "/hi"), None);
    same!(
        rec(&m, "/hi/index.html"),
        d(&[("controller", "content"), ("action", "index")])
    );
    same!(
        rec(&m, "/hi/dude.html"),
        d(&[("controller", "content"), ("action", "dude")])
    );
}

#[test]
fn recognition_splits_with_dashes() {
    // Routes: test_recognition.py test_splits_with_dashes
    let m = map([r("/archives/{year}-{month}-{day}.html")
        .defaults([("controller", "archives"), ("action", "view")])]);
    same!(rec(&m, "/boo"), None);
    same!(rec(&m, "/archives"), None);
    same!(
        rec(&m, "/archives/2004-12-4.html"),
        d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "2004"),
            ("month", "12"),
            ("day", "4")
        ])
    );
    same!(
        rec(&m, "/archives/04-10-4.html"),
        d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "04"),
            ("month", "10"),
            ("day", "4")
        ])
    );
    same!(
        rec(&m, "/archives/04-1-1.html"),
        d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "04"),
            ("month", "1"),
            ("day", "1")
        ])
    );
}

/// Builds a mapper from one pattern (with `defaults`) and matches `path`:
/// `None` if the crate refuses the pattern, else the match.
fn rec_built(pattern: &str, defaults: &[(&str, &str)], path: &str) -> Option<Option<Dict>> {
    let route = r(pattern).defaults(defaults.iter().copied());
    let m = Mapper::new().route(route).ok()?;
    Some(rec(&m, path))
}

#[test]
fn recognition_splits_packed_with_regexps() {
    // Routes: test_recognition.py test_splits_packed_with_regexps
    // `:(year):(month):(day)` has no text between the variables: refused.
    let p = r"/archives/{year:\d{4}}{month:\d{2}}{day:\d{2}}.html";
    let c = [("controller", "archives"), ("action", "view")];
    ours!(
        rec_built(p, &c, "/boo"),
        None,
        Some(None),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives"),
        None,
        Some(None),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives/2004020.html"),
        None,
        Some(None),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives/200502.html"),
        None,
        Some(None),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives/20041204.html"),
        None,
        Some(d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "2004"),
            ("month", "12"),
            ("day", "04")
        ])),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives/20051004.html"),
        None,
        Some(d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "2005"),
            ("month", "10"),
            ("day", "04")
        ])),
        "adjacent variables"
    );
    ours!(
        rec_built(p, &c, "/archives/20060101.html"),
        None,
        Some(d(&[
            ("controller", "archives"),
            ("action", "view"),
            ("year", "2006"),
            ("month", "01"),
            ("day", "01")
        ])),
        "adjacent variables"
    );
}

#[test]
fn recognition_splits_with_slashes() {
    // Routes: test_recognition.py test_splits_with_slashes
    let m = map([r("/{name}/{action}-{day}").default("controller", "content")]);
    same!(rec(&m, "/something"), None);
    same!(rec(&m, "/something/is-"), None);
    same!(
        rec(&m, "/group/view-3"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("day", "3"),
            ("name", "group")
        ])
    );
    same!(
        rec(&m, "/group/view-5"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("day", "5"),
            ("name", "group")
        ])
    );
}

#[test]
fn recognition_splits_with_slashes_and_default() {
    // Routes: test_recognition.py test_splits_with_slashes_and_default
    let m = map([r("/{name}/{action}-{id}").default("controller", "content")]);
    same!(rec(&m, "/something"), None);
    same!(rec(&m, "/something/is"), None);
    same!(
        rec(&m, "/group/view-3"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("id", "3"),
            ("name", "group")
        ])
    );
}

#[test]
fn recognition_routematch() {
    // Routes: test_recognition.py test_routematch
    let m = map([r("/{controller}/{action}/{id}")]).controllers(["content"]);
    same!(rec(&m, "/nowhere"), None);
}

#[test]
fn recognition_conditions() {
    // Routes: test_recognition.py test_conditions
    let m = map([
        r("/home/upload")
            .defaults([("controller", "content"), ("action", "upload")])
            .method(Method::POST),
        r("/{controller}/{action}/{id}"),
    ])
    .controllers(["content", "blog"]);
    same!(rec(&m, "/nowhere"), None);
    same!(rec(&m, "/home/upload"), None);
    same!(
        rec_as(&m, Method::POST, "/home/upload"),
        d(&[("action", "upload"), ("controller", "content")])
    );
}

#[test]
fn recognition_other_special_chars() {
    // Routes: test_recognition.py test_other_special_chars
    let m = map([
        r("/{year}/{slug}.{format},{locale}").defaults([("format", "html"), ("locale", "en")]),
        r("/error/{action}/{id}").default("controller", "error"),
    ])
    .controllers(["content"]);
    same!(rec(&m, "/2007/test."), None);
    same!(
        rec(&m, "/error/img/icon-16.png"),
        d(&[
            ("controller", "error"),
            ("action", "img"),
            ("id", "icon-16.png")
        ])
    );
}

#[test]
fn recognition_empty_fails() {
    // Routes: test_recognition.py test_empty_fails
    let m = map([
        r("/{controller}/{action}/{id}"),
        r("/").defaults([("controller", "content"), ("action", "view"), ("id", "4")]),
    ])
    .controllers(["content"]);
    same!(
        rec(&m, "/"),
        d(&[("controller", "content"), ("action", "view"), ("id", "4")])
    );
}

#[test]
fn recognition_home_noargs() {
    // Routes: test_recognition.py test_home_noargs
    let m = map([r("/")]).controllers(Vec::<String>::new());
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/"), d(&[]));
}

#[test]
fn recognition_dot_format_args() {
    // Routes: test_recognition.py test_dot_format_args
    // Routes' `'format': None` is an absent key here.
    let m = map([
        r("/songs/{title}{.format}"),
        r("/stories/{slug:[^./]+?}{.format:pdf}"),
    ]);
    same!(rec(&m, "/songs/my-way"), d(&[("title", "my-way")]));
    same!(
        rec(&m, "/songs/my-way.mp3"),
        d(&[("title", "my-way"), ("format", "mp3")])
    );
    same!(rec(&m, "/stories/frist-post"), d(&[("slug", "frist-post")]));
    same!(
        rec(&m, "/stories/frist-post.pdf"),
        d(&[("slug", "frist-post"), ("format", "pdf")])
    );
    same!(rec(&m, "/stories/frist-post.doc"), None);
}

// ---- test_resources.py ----

/// Routes' `_assert_restful_routes`: nine generation cases for a resource
/// whose URLs start with `/{prefix}{controller}`; `scope` holds the values
/// its prefix needs.
fn restful_routes(m: &Mapper, scope: &[(&str, &str)], prefix: &str) {
    let base = format!("/{prefix}messages");
    let g = |kw: &[(&str, &str)]| {
        let mut all = vec![("controller", "messages")];
        all.extend_from_slice(scope);
        all.extend_from_slice(kw);
        gen(m, &all)
    };
    same!(g(&[("action", "index")]), Some(base.clone()));
    same!(
        g(&[("action", "index"), ("format", "xml")]),
        Some(format!("{base}.xml"))
    );
    same!(g(&[("action", "new")]), Some(format!("{base}/new")));
    same!(
        g(&[("action", "show"), ("id", "1")]),
        Some(format!("{base}/1"))
    );
    same!(
        g(&[("action", "edit"), ("id", "1")]),
        Some(format!("{base}/1/edit"))
    );
    same!(
        g(&[("action", "show"), ("id", "1"), ("format", "xml")]),
        Some(format!("{base}/1.xml"))
    );
    same!(
        g(&[("action", "create"), ("method", "post")]),
        Some(base.clone())
    );
    same!(
        g(&[("action", "update"), ("method", "put"), ("id", "1")]),
        Some(format!("{base}/1"))
    );
    same!(
        g(&[("action", "delete"), ("method", "delete"), ("id", "1")]),
        Some(format!("{base}/1"))
    );
}

fn messages() -> Mapper {
    Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .controllers(["messages"])
}

#[test]
fn resources_resources() {
    // Routes: test_resources.py test_resources
    // (eight cases here, nine in `restful_routes`)
    let m = Mapper::new()
        .resource("message", "messages")
        .unwrap()
        .resource("massage", "massages")
        .unwrap()
        .resource("passage", "passages")
        .unwrap()
        .controllers(["messages"]);
    same!(named(&m, "messages", &[]), s("/messages"));
    same!(
        named(&m, "formatted_messages", &[("format", "xml")]),
        s("/messages.xml")
    );
    same!(named(&m, "message", &[("id", "1")]), s("/messages/1"));
    same!(
        named(&m, "formatted_message", &[("id", "1"), ("format", "xml")]),
        s("/messages/1.xml")
    );
    same!(named(&m, "new_message", &[]), s("/messages/new"));
    same!(
        named(&m, "formatted_message", &[("id", "1"), ("format", "xml")]),
        s("/messages/1.xml")
    );
    same!(
        named(&m, "edit_message", &[("id", "1")]),
        s("/messages/1/edit")
    );
    same!(
        named(
            &m,
            "formatted_edit_message",
            &[("id", "1"), ("format", "xml")]
        ),
        s("/messages/1/edit.xml")
    );
    restful_routes(&m, &[], "");
}

#[test]
fn resources_resources_with_path_prefix() {
    // Routes: test_resources.py test_resources_with_path_prefix
    // (nine cases, in `restful_routes`)
    let m = Mapper::new()
        .submapper("/thread/{threadid}", "", |m| {
            m.resource("message", "messages")
        })
        .unwrap()
        .controllers(["messages"]);
    restful_routes(&m, &[("threadid", "5")], "thread/5/");
}

#[test]
fn resources_resources_with_collection_action() {
    // Routes: test_resources.py test_resources_with_collection_action
    // (nine cases, in `restful_routes`)
    restful_routes(&messages(), &[], "");
}

#[test]
fn resources_resources_with_member_action() {
    // Routes: test_resources.py test_resources_with_member_action
    // (nine cases, in `restful_routes`)
    restful_routes(&messages(), &[], "");
}

#[test]
fn resources_resources_with_new_action() {
    // Routes: test_resources.py test_resources_with_new_action
    // (nine cases, in `restful_routes`; Routes' collection name is `messages/`)
    let m = Mapper::new()
        .resource("message", "messages/")
        .unwrap()
        .controllers(["messages"]);
    restful_routes(&m, &[], "");
}

#[test]
fn resources_resources_with_name_prefix() {
    // Routes: test_resources.py test_resources_with_name_prefix
    // (nine cases, in `restful_routes`)
    let m = Mapper::new()
        .submapper("", "category_", |m| m.resource("message", "messages"))
        .unwrap()
        .controllers(["messages"]);
    restful_routes(&m, &[], "");
}

#[test]
fn resources_resources_with_requirements() {
    // Routes: test_resources.py test_resources_with_requirements
    // (four cases here, nine in `restful_routes`)
    let m = Mapper::new()
        .submapper(r"/{project_id:[0-9a-f]{4}}/{user_id:\d+}", "", |m| {
            m.resource("message", "messages")
        })
        .unwrap();
    restful_routes(
        &m,
        &[("project_id", "cafe"), ("user_id", "123")],
        "cafe/123/",
    );
    same!(
        rec_as(&m, Method::POST, "/cafe/123/messages"),
        d(&[
            ("action", "create"),
            ("project_id", "cafe"),
            ("user_id", "123"),
            ("controller", "messages")
        ])
    );
    same!(rec(&m, "/extensions/123/messages"), None);
    same!(rec(&m, "/b0a3/123b/messages"), None);
    same!(rec(&m, "/foo/bar/messages"), None);
}

fn people() -> Mapper {
    Mapper::new()
        .resource("person", "people")
        .unwrap()
        .controllers(["people"])
}

fn people_as(m: &Mapper, method: &str, path: &str) -> Option<Dict> {
    rec_as(m, Method::from_bytes(method.as_bytes()).unwrap(), path)
}

fn people_args(action: &str, more: &[(&str, &str)]) -> Option<Dict> {
    let mut all = vec![("controller", "people"), ("action", action)];
    all.extend_from_slice(more);
    d(&all)
}

#[test]
fn resources_resource() {
    // Routes: test_resources.py test_resource
    let m = people();
    same!(people_as(&m, "GET", "/people"), people_args("index", &[]));
    same!(
        people_as(&m, "GET", "/people.xml"),
        people_args("index", &[("format", "xml")])
    );
    same!(people_as(&m, "POST", "/people"), people_args("create", &[]));
    same!(
        people_as(&m, "POST", "/people.html"),
        people_args("create", &[("format", "html")])
    );
    same!(
        people_as(&m, "GET", "/people/2.xml"),
        people_args("show", &[("id", "2"), ("format", "xml")])
    );
    same!(
        people_as(&m, "GET", "/people/2"),
        people_args("show", &[("id", "2")])
    );
    same!(
        people_as(&m, "GET", "/people/2/edit"),
        people_args("edit", &[("id", "2")])
    );
    same!(
        people_as(&m, "GET", "/people/2/edit.xml"),
        people_args("edit", &[("id", "2"), ("format", "xml")])
    );
    same!(
        people_as(&m, "DELETE", "/people/2"),
        people_args("delete", &[("id", "2")])
    );
    same!(
        people_as(&m, "PUT", "/people/2"),
        people_args("update", &[("id", "2")])
    );
    same!(
        people_as(&m, "PUT", "/people/2.json"),
        people_args("update", &[("id", "2"), ("format", "json")])
    );
    // Dots in ids, escaped with a backslash.
    let put = |path: &str| people_as(&m, "PUT", path);
    same!(
        put(r"/people/2\.13"),
        people_args("update", &[("id", r"2\.13")])
    );
    same!(
        put(r"/people/2\.13.xml"),
        people_args("update", &[("id", r"2\.13"), ("format", "xml")])
    );
    same!(
        put(r"/people/user\.name"),
        people_args("update", &[("id", r"user\.name")])
    );
    same!(
        put(r"/people/user\.\.\.name"),
        people_args("update", &[("id", r"user\.\.\.name")])
    );
    same!(
        put(r"/people/user\.name\.has\.dots"),
        people_args("update", &[("id", r"user\.name\.has\.dots")])
    );
    same!(
        put(r"/people/user\.name\.is\.something.xml"),
        people_args(
            "update",
            &[("id", r"user\.name\.is\.something"), ("format", "xml")]
        )
    );
    same!(
        put(r"/people/user\.name\.ends\.with\.dot\..xml"),
        people_args(
            "update",
            &[("id", r"user\.name\.ends\.with\.dot\."), ("format", "xml")]
        )
    );
    same!(
        put(r"/people/user\.name\.ends\.with\.dot\."),
        people_args("update", &[("id", r"user\.name\.ends\.with\.dot\.")])
    );
    same!(
        put(r"/people/\.user\.name\.starts\.with\.dot"),
        people_args("update", &[("id", r"\.user\.name\.starts\.with\.dot")])
    );
    same!(
        put(r"/people/user\.name.json"),
        people_args("update", &[("id", r"user\.name"), ("format", "json")])
    );
}

#[test]
fn resources_resource_with_nomin() {
    // Routes: test_resources.py test_resource_with_nomin
    let m = people();
    same!(people_as(&m, "GET", "/people"), people_args("index", &[]));
    same!(people_as(&m, "POST", "/people"), people_args("create", &[]));
    same!(
        people_as(&m, "GET", "/people/2"),
        people_args("show", &[("id", "2")])
    );
    same!(
        people_as(&m, "GET", "/people/2/edit"),
        people_args("edit", &[("id", "2")])
    );
    same!(
        people_as(&m, "DELETE", "/people/2"),
        people_args("delete", &[("id", "2")])
    );
    same!(
        people_as(&m, "PUT", "/people/2"),
        people_args("update", &[("id", "2")])
    );
}

/// Routes' `resource('location', 'locations', parent_resource=dict(member_name='region',
/// collection_name='regions'), path_prefix=.., name_prefix=..)`: the same
/// routes as a resource inside a submapper (`None` is Routes' default prefix).
fn locations(path_prefix: Option<&str>, name_prefix: Option<&str>) -> Mapper {
    Mapper::new()
        .submapper(
            path_prefix.unwrap_or("/regions/{region_id}"),
            name_prefix.unwrap_or("region_"),
            |m| m.resource("location", "locations"),
        )
        .unwrap()
        .controllers(["locations"])
}

/// The twenty cases of Routes' `test_resource_created_with_parent_resource`
/// (and of its `_nomin` twin, whose empty path prefix is written `/`).
fn parent_resource(empty_prefix: &str) {
    let m = locations(None, None);
    let region = |action: &str, more: &[(&str, &str)]| {
        let mut all = vec![
            ("region_id", "13"),
            ("controller", "locations"),
            ("action", action),
        ];
        all.extend_from_slice(more);
        d(&all)
    };
    let at = |method: Method, path: &str| rec_as(&m, method, path);
    same!(
        at(Method::GET, "/regions/13/locations"),
        region("index", &[])
    );
    same!(
        named(&m, "region_locations", &[("region_id", "13")]),
        s("/regions/13/locations")
    );
    same!(
        at(Method::POST, "/regions/13/locations"),
        region("create", &[])
    );
    same!(
        named(&m, "region_new_location", &[("region_id", "13")]),
        s("/regions/13/locations/new")
    );
    same!(
        named(&m, "region_locations", &[("region_id", "13")]),
        s("/regions/13/locations")
    );
    same!(
        at(Method::GET, "/regions/13/locations/60"),
        region("show", &[("id", "60")])
    );
    same!(
        named(&m, "region_location", &[("region_id", "13"), ("id", "60")]),
        s("/regions/13/locations/60")
    );
    same!(
        at(Method::GET, "/regions/13/locations/60/edit"),
        region("edit", &[("id", "60")])
    );
    same!(
        named(
            &m,
            "region_edit_location",
            &[("region_id", "13"), ("id", "60")]
        ),
        s("/regions/13/locations/60/edit")
    );
    same!(
        at(Method::DELETE, "/regions/13/locations/60"),
        region("delete", &[("id", "60")])
    );
    same!(
        named(&m, "region_location", &[("region_id", "13"), ("id", "60")]),
        s("/regions/13/locations/60")
    );
    same!(
        at(Method::PUT, "/regions/13/locations/60"),
        region("update", &[("id", "60")])
    );
    same!(
        named(&m, "region_location", &[("region_id", "13"), ("id", "60")]),
        s("/regions/13/locations/60")
    );
    same!(
        named(
            &locations(Some(empty_prefix), None),
            "region_locations",
            &[]
        ),
        s("/locations")
    );
    same!(
        named(
            &locations(Some("/areas/{area_id}"), None),
            "region_locations",
            &[("area_id", "51")]
        ),
        s("/areas/51/locations")
    );
    same!(
        named(
            &locations(None, Some("")),
            "locations",
            &[("region_id", "51")]
        ),
        s("/regions/51/locations")
    );
    same!(
        named(
            &locations(None, Some("area_")),
            "area_locations",
            &[("region_id", "51")]
        ),
        s("/regions/51/locations")
    );
    same!(
        named(&locations(Some(""), Some("place_")), "place_locations", &[]),
        s("/locations")
    );
    same!(
        named(
            &locations(Some("/areas/{area_id}"), Some("")),
            "locations",
            &[("area_id", "51")]
        ),
        s("/areas/51/locations")
    );
    same!(
        named(
            &locations(Some("/areas/{area_id}"), Some("place_")),
            "place_locations",
            &[("area_id", "51")]
        ),
        s("/areas/51/locations")
    );
}

#[test]
fn resources_resource_created_with_parent_resource() {
    // Routes: test_resources.py test_resource_created_with_parent_resource
    // (twenty cases, in `parent_resource`)
    parent_resource("");
}

#[test]
fn resources_resource_created_with_parent_resource_nomin() {
    // Routes: test_resources.py test_resource_created_with_parent_resource_nomin
    // (twenty cases, in `parent_resource`)
    parent_resource("/");
}

// ---- test_submapper.py ----
// Routes' submapper options (`controller=`, `requirements=`, `actions=`) and
// its `action`, `link`, `collection` helpers are written as the routes they
// make, each with its defaults, inside our `submapper`.

fn entry(pattern: &str, name: &str, action: &str, method: Method) -> Route {
    r(pattern)
        .name(name)
        .defaults([("controller", "entry"), ("action", action)])
        .method(method)
}

#[test]
fn submapper_submapper() {
    // Routes: test_submapper.py test_submapper
    let m = Mapper::new()
        .submapper("/entries", "", |m| {
            m.route(r("/{id}").name("entry").requirement("id", r"\d+"))
        })
        .unwrap();
    same!(named(&m, "entry", &[("id", "1")]), s("/entries/1"));
    same!(named(&m, "entry", &[("id", "foo")]), None);
}

#[test]
fn submapper_submapper_with_no_path() {
    // Routes: test_submapper.py test_submapper_with_no_path
    let m = Mapper::new()
        .submapper("/", "", |m| m.route(r("/entry").name("entry")))
        .unwrap();
    same!(named(&m, "entry", &[("id", "1")]), s("/entry?id=1"));
}

#[test]
fn submapper_submapper_nesting() {
    // Routes: test_submapper.py test_submapper_nesting
    let m = Mapper::new()
        .submapper("/entries", "", |m| {
            m.submapper("/{id}", "", |m| {
                m.route(
                    r("")
                        .name("entry")
                        .default("controller", "entry")
                        .requirement("id", r"\d+"),
                )?
                .route(
                    r("/edit")
                        .name("edit_entry")
                        .default("controller", "entry")
                        .requirement("id", r"\d+"),
                )
            })
        })
        .unwrap();
    same!(named(&m, "entry", &[("id", "1")]), s("/entries/1"));
    same!(
        named(&m, "edit_entry", &[("id", "1")]),
        s("/entries/1/edit")
    );
    same!(named(&m, "entry", &[("id", "foo")]), None);
}

#[test]
fn submapper_submapper_action() {
    // Routes: test_submapper.py test_submapper_action
    let m = Mapper::new()
        .submapper("/entries", "", |m| {
            m.route(entry("", "entries", "list", Method::GET))?
                .route(entry("", "create_entry", "create", Method::POST))
        })
        .unwrap();
    same!(named(&m, "entries", &[("method", "GET")]), s("/entries"));
    same!(
        named(&m, "create_entry", &[("method", "POST")]),
        s("/entries")
    );
    same!(ca(&m, "entry", "list", &[("method", "GET")]), s("/entries"));
    same!(
        ca(&m, "entry", "create", &[("method", "POST")]),
        s("/entries")
    );
    same!(named(&m, "entries", &[("method", "DELETE")]), None);
}

#[test]
fn submapper_submapper_link() {
    // Routes: test_submapper.py test_submapper_link
    let m = Mapper::new()
        .submapper("/entries", "", |m| {
            m.route(entry("/new", "new_entry", "new", Method::GET))?
                .route(entry("/ping", "ping_entry", "ping", Method::POST))
        })
        .unwrap();
    same!(
        named(&m, "new_entry", &[("method", "GET")]),
        s("/entries/new")
    );
    same!(
        named(&m, "ping_entry", &[("method", "POST")]),
        s("/entries/ping")
    );
    same!(
        ca(&m, "entry", "new", &[("method", "GET")]),
        s("/entries/new")
    );
    same!(
        ca(&m, "entry", "ping", &[("method", "POST")]),
        s("/entries/ping")
    );
    same!(named(&m, "new_entry", &[("method", "PUT")]), None);
    same!(named(&m, "ping_entry", &[("method", "PUT")]), None);
}

/// Routes' standard actions and links of an `entries` collection.
fn entries() -> Mapper {
    Mapper::new()
        .submapper("/entries", "", |m| {
            m.route(entry("", "entries", "index", Method::GET))?
                .route(entry("", "create_entry", "create", Method::POST))?
                .route(entry("/new", "new_entry", "new", Method::GET))?
                .submapper("/{id}", "", |m| {
                    m.route(entry("", "entry", "show", Method::GET))?
                        .route(entry("", "update_entry", "update", Method::PUT))?
                        .route(entry("", "delete_entry", "delete", Method::DELETE))?
                        .route(entry("/edit", "edit_entry", "edit", Method::GET))
                })
        })
        .unwrap()
}

/// The seven standard-action cases of Routes' `test_submapper_standard_actions`.
fn standard_actions(m: &Mapper) {
    same!(named(m, "entries", &[("method", "GET")]), s("/entries"));
    same!(
        named(m, "create_entry", &[("method", "POST")]),
        s("/entries")
    );
    same!(named(m, "entries", &[("method", "DELETE")]), None);
    same!(
        named(m, "entry", &[("id", "1"), ("method", "GET")]),
        s("/entries/1")
    );
    same!(
        named(m, "update_entry", &[("id", "1"), ("method", "PUT")]),
        s("/entries/1")
    );
    same!(
        named(m, "delete_entry", &[("id", "1"), ("method", "DELETE")]),
        s("/entries/1")
    );
    same!(named(m, "entry", &[("id", "1"), ("method", "POST")]), None);
}

/// The four standard-link cases of Routes' `test_submapper_standard_links`.
fn standard_links(m: &Mapper) {
    same!(
        named(m, "new_entry", &[("method", "GET")]),
        s("/entries/new")
    );
    same!(named(m, "new_entry", &[("method", "POST")]), None);
    same!(
        named(m, "edit_entry", &[("id", "1"), ("method", "GET")]),
        s("/entries/1/edit")
    );
    same!(
        named(m, "edit_entry", &[("id", "1"), ("method", "POST")]),
        None
    );
}

#[test]
fn submapper_submapper_standard_actions() {
    // Routes: test_submapper.py test_submapper_standard_actions
    // (seven cases, in `standard_actions`)
    standard_actions(&entries());
}

#[test]
fn submapper_submapper_standard_links() {
    // Routes: test_submapper.py test_submapper_standard_links
    // (four cases, in `standard_links`)
    standard_links(&entries());
}

#[test]
fn submapper_submapper_action_and_link_generation() {
    // Routes: test_submapper.py test_submapper_action_and_link_generation
    // (eleven cases, in `standard_actions` and `standard_links`)
    let m = entries();
    standard_actions(&m);
    standard_links(&m);
}

#[test]
fn submapper_collection() {
    // Routes: test_submapper.py test_collection
    // (eleven cases, in `standard_actions` and `standard_links`)
    let m = entries();
    standard_actions(&m);
    standard_links(&m);
}

#[test]
fn submapper_subsubmapper_with_controller() {
    // Routes: test_submapper.py test_subsubmapper_with_controller
    let m = Mapper::new()
        .submapper("/parents/{parent_id}", "", |m| {
            m.route(
                r("/children/{child_id}")
                    .defaults([("controller", "col2"), ("action", "show")])
                    .method(Method::GET),
            )
        })
        .unwrap();
    same!(
        rec(&m, "/parents/1/children/2").and_then(|args| args.get("controller").cloned()),
        s("col2")
    );
}

#[test]
fn submapper_submapper_argument_overriding() {
    // Routes: test_submapper.py test_submapper_argument_overriding
    let m = Mapper::new()
        .submapper("/first_level", "first_", |m| {
            m.route(
                r("/test")
                    .name("test")
                    .defaults([("controller", "first"), ("action", "test")]),
            )?
            .submapper("/second_level", "second_", |m| {
                m.route(
                    r("/test")
                        .name("test")
                        .defaults([("controller", "second"), ("action", "test")]),
                )?
                .submapper("/third_level", "third_", |m| {
                    m.route(
                        r("/test")
                            .name("test")
                            .defaults([("controller", "third"), ("action", "third_action")]),
                    )
                })
            })
        })
        .unwrap();
    let get = |path: &str, key: &str| rec(&m, path).and_then(|args| args.get(key).cloned());
    same!(get("/first_level/test", "controller"), s("first"));
    same!(get("/first_level/test", "action"), s("test"));
    same!(named(&m, "first_test", &[]), s("/first_level/test"));
    same!(
        get("/first_level/second_level/test", "controller"),
        s("second")
    );
    same!(get("/first_level/second_level/test", "action"), s("test"));
    same!(
        named(&m, "first_second_test", &[]),
        s("/first_level/second_level/test")
    );
    same!(
        get("/first_level/second_level/third_level/test", "controller"),
        s("third")
    );
    same!(
        get("/first_level/second_level/third_level/test", "action"),
        s("third_action")
    );
    same!(
        named(&m, "first_second_third_test", &[]),
        s("/first_level/second_level/third_level/test")
    );
}

// ---- test_nonminimization.py ----

fn nonmin(route: Route) -> Mapper {
    map([route]).controllers(["content"])
}

#[test]
fn nonminimization_basic() {
    // Routes: test_nonminimization.py test_basic
    let m = nonmin(r("/{controller}/{action}/{id}"));
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/content/index"), None);
    same!(rec(&m, "/content/index/"), None);
    same!(
        rec(&m, "/content/index/4"),
        d(&[("controller", "content"), ("action", "index"), ("id", "4")])
    );
    same!(
        rec(&m, "/content/view/4.html"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("id", "4.html")
        ])
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "view"), ("id", "3")]
        ),
        s("/content/view/3")
    );
}

#[test]
fn nonminimization_full() {
    // Routes: test_nonminimization.py test_full
    // Routes' `'id': None` is an absent key here.
    let m = map([
        r("/{controller}/{action}/"),
        r("/{controller}/{action}/{id}"),
    ])
    .controllers(["content"]);
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/content/index"), None);
    same!(
        rec(&m, "/content/index/"),
        d(&[("controller", "content"), ("action", "index")])
    );
    same!(
        rec(&m, "/content/index/4"),
        d(&[("controller", "content"), ("action", "index"), ("id", "4")])
    );
    same!(
        rec(&m, "/content/view/4.html"),
        d(&[
            ("controller", "content"),
            ("action", "view"),
            ("id", "4.html")
        ])
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "view"), ("id", "3")]
        ),
        s("/content/view/3")
    );
}

#[test]
fn nonminimization_action_required() {
    // Routes: test_nonminimization.py test_action_required
    let m = nonmin(r("/{controller}/index").default("action", "index"));
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(&m, &[("controller", "content"), ("action", "fred")]),
        None
    );
    same!(
        gen(&m, &[("controller", "content"), ("action", "index")]),
        s("/content/index")
    );
}

#[test]
fn nonminimization_query_params() {
    // Routes: test_nonminimization.py test_query_params
    let m = nonmin(r("/{controller}/index").default("action", "index"));
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(
            &m,
            &[
                ("controller", "content"),
                ("action", "index"),
                ("test", "sample")
            ]
        ),
        s("/content/index?test=sample")
    );
}

#[test]
fn nonminimization_syntax() {
    // Routes: test_nonminimization.py test_syntax
    let m = nonmin(r("/{controller}/{action}/{id}"));
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/content/index"), None);
    same!(rec(&m, "/content/index/"), None);
    same!(
        rec(&m, "/content/index/4"),
        d(&[("controller", "content"), ("action", "index"), ("id", "4")])
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "view"), ("id", "3")]
        ),
        s("/content/view/3")
    );
}

#[test]
fn nonminimization_regexp_syntax() {
    // Routes: test_nonminimization.py test_regexp_syntax
    let m = nonmin(r(r"/{controller}/{action}/{id:\d\d}"));
    same!(rec(&m, "/content"), None);
    same!(rec(&m, "/content/index"), None);
    same!(rec(&m, "/content/index/"), None);
    same!(rec(&m, "/content/index/3"), None);
    same!(
        rec(&m, "/content/index/44"),
        d(&[("controller", "content"), ("action", "index"), ("id", "44")])
    );
    same!(gen(&m, &[("controller", "content")]), None);
    same!(gen(&m, &[("controller", "content"), ("id", "4")]), None);
    same!(
        gen(
            &m,
            &[("controller", "content"), ("action", "view"), ("id", "31")]
        ),
        s("/content/view/31")
    );
}

#[test]
fn nonminimization_unicode() {
    // Routes: test_nonminimization.py test_unicode
    let m = map([r("/{hoge}")]);
    let hoge = "\u{30c6}\u{30b9}\u{30c8}";
    same!(
        gen(&m, &[("hoge", hoge)]),
        s("/%E3%83%86%E3%82%B9%E3%83%88")
    );
    same!(gen(&m, &[("hoge", hoge)]).is_some(), true);
}

#[test]
fn nonminimization_unicode_static() {
    // Routes: test_nonminimization.py test_unicode_static
    let m = map([r("http://www.google.co.jp/search")
        .name("google-jp")
        .generate_only()])
    .controllers(["messages"]);
    let hoge = "\u{30c6}\u{30b9}\u{30c8}";
    same!(
        named(&m, "google-jp", &[("q", hoge)]),
        s("http://www.google.co.jp/search?q=%E3%83%86%E3%82%B9%E3%83%88")
    );
    same!(named(&m, "google-jp", &[("q", hoge)]).is_some(), true);
}

#[test]
fn nonminimization_other_special_chars() {
    // Routes: test_nonminimization.py test_other_special_chars
    let m = map([
        r("/{year}/{slug}.{format},{locale}").defaults([("locale", "en"), ("format", "html")])
    ])
    .controllers(["content"]);
    same!(
        gen(
            &m,
            &[
                ("year", "2007"),
                ("slug", "test"),
                ("format", "xml"),
                ("locale", "ja")
            ]
        ),
        s("/2007/test.xml,ja")
    );
    same!(gen(&m, &[("year", "2007"), ("format", "html")]), None);
}

// ---- test_explicit_use.py ----

#[test]
fn explicit_use_route_dict_use() {
    // Routes: test_explicit_use.py test_route_dict_use
    let m = map([r("/hi/{fred}")]);
    same!(rec(&m, "/hi/george"), d(&[("fred", "george")]));
}

#[test]
fn explicit_use_static_args() {
    // Routes: test_explicit_use.py test_static_args
    let urls = under(map([r("http://google.com/").generate_only()]), "");
    same!(
        urls.path("/here", &[("q", "fred"), ("q", "here now")]),
        "/here?q=fred&q=here%20now"
    );
}

#[test]
fn explicit_use_add_routes() {
    // Routes: test_explicit_use.py test_add_routes
    let m = map([r("/foo").name("foo")]);
    same!(rec(&m, "/foo"), d(&[]));
}

#[test]
fn explicit_use_add_routes_conditions_unmet() {
    // Routes: test_explicit_use.py test_add_routes_conditions_unmet
    let m = map([r("/foo").name("foo").method(Method::POST)]);
    same!(rec(&m, "/foo"), None);
}

#[test]
fn explicit_use_add_routes_conditions_met() {
    // Routes: test_explicit_use.py test_add_routes_conditions_met
    let m = map([r("/foo").name("foo").method(Method::POST)]);
    same!(rec_as(&m, Method::POST, "/foo"), d(&[]));
}

#[test]
fn explicit_use_using_prefix() {
    // Routes: test_explicit_use.py test_using_prefix
    let urls = under(map([r("/{first}/{last}")]), "/jones");
    same!(
        urls.generate(&[("first", "smith"), ("last", "barney")])
            .ok(),
        s("/jones/smith/barney")
    );
}

#[test]
fn explicit_use_with_host_param() {
    // Routes: test_explicit_use.py test_with_host_param
    // Routes spells the key `host_` because `host` is its own keyword.
    let m = map([r("/hi/{fred}")]);
    same!(
        gen(&m, &[("fred", "smith"), ("host", "here")]),
        s("/hi/smith?host=here")
    );
}

// ---- test_route_escapes.py ----

/// Whether the crate's pattern `pattern` matches exactly the path `path`.
fn matches_literally(pattern: &str, path: &str) -> Option<bool> {
    let m = Mapper::new().connect(pattern).ok()?;
    Some(rec(&m, path).is_some())
}

#[test]
fn route_escapes_normal_route() {
    // Routes: test_route_escapes.py test_normal_route
    same!(matches_literally("/foo/bar", "/foo/bar"), Some(true));
}

#[test]
fn route_escapes_route_with_backslash() {
    // Routes: test_route_escapes.py test_route_with_backslash
    // The path as a client sends it: the backslash percent-encoded.
    same!(matches_literally(r"/foo\\bar", "/foo%5Cbar"), Some(true));
}

#[test]
fn route_escapes_route_with_random_escapes() {
    // Routes: test_route_escapes.py test_route_with_random_escapes
    // Routes keeps a backslash before an ordinary character as text; here a
    // backslash escapes any character, and this pattern does not start with `/`.
    fails!(Mapper::new().connect(r"\/f\oo\/ba\r").is_ok(), true);
}

#[test]
fn route_escapes_route_with_escaped_colon() {
    // Routes: test_route_escapes.py test_route_with_escaped_colon
    same!(
        matches_literally(r"/foo\:bar/baz", "/foo:bar/baz"),
        Some(true)
    );
}

// ---- test_middleware.py ----
// Routes' RoutesMiddleware and a WSGI app that prints what it was given,
// as the crate's `Router` and a controller that does the same.

mod middleware {
    use super::*;
    use gw_controller_router::{OriginalMethod, Router};
    use gw_core::test_client::TestClient;
    use gw_core::{Body, MountPrefix, RoutingArgs};

    /// A controller answering `SCRIPT_NAME PATH_INFO METHOD ORIGINAL`.
    #[derive(Clone)]
    struct SimpleApp;

    impl tower_service::Service<http::Request<Body>> for SimpleApp {
        type Response = http::Response<Body>;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<Body>) -> Self::Future {
            assert!(RoutingArgs::of(&req).is_some(), "routing args");
            let original = req
                .extensions()
                .get::<OriginalMethod>()
                .map(|m| m.0.to_string())
                .unwrap_or_default();
            let text = format!(
                "{} {} {} {}",
                MountPrefix::of(&req),
                req.uri().path(),
                req.method(),
                original
            );
            std::future::ready(Ok(http::Response::new(Body::from(text))))
        }
    }

    fn simple_app() -> SimpleApp {
        SimpleApp
    }

    fn path_info_router() -> Router {
        let m = map([
            r("/myapp/{*path_info}").default("controller", "myapp"),
            r("/project/{*path_info}").default("controller", "myapp"),
        ]);
        Router::new(m)
            .controller("content", simple_app())
            .controller("myapp", simple_app())
    }

    async fn status(router: Router, method: Method, path: &str) -> u16 {
        let client = TestClient::new(router);
        client.request(method, path).send().await.status().as_u16()
    }

    #[tokio::test]
    async fn middleware_basic() {
        // Routes: test_middleware.py test_basic
        let router = Router::new(map([r("/{controller}/{action}/{id}")]))
            .controller("content", simple_app());
        ours!(
            status(router, Method::GET, "/").await,
            404,
            200,
            "an unmatched request",
        );
    }

    #[tokio::test]
    async fn middleware_no_query() {
        // Routes: test_middleware.py test_no_query
        ours!(
            status(path_info_router(), Method::GET, "/").await,
            404,
            200,
            "an unmatched request",
        );
    }

    #[tokio::test]
    async fn middleware_content_split() {
        // Routes: test_middleware.py test_content_split
        ours!(
            status(path_info_router(), Method::POST, "/").await,
            404,
            200,
            "an unmatched request",
        );
    }

    #[tokio::test]
    async fn middleware_no_singleton() {
        // Routes: test_middleware.py test_no_singleton
        ours!(
            status(path_info_router(), Method::POST, "/").await,
            404,
            200,
            "an unmatched request",
        );
    }

    #[tokio::test]
    async fn middleware_path_info() {
        // Routes: test_middleware.py test_path_info
        ours!(
            status(path_info_router(), Method::GET, "/").await,
            404,
            200,
            "an unmatched request",
        );
        let client = TestClient::new(path_info_router());
        let body = client.get("/myapp/some/other/url").send().await.text();
        same!(body.split(' ').next(), Some("/myapp"));
        same!(body.split(' ').nth(1), Some("/some/other/url"));
        let long = "/pylonshq/browser/pylons/templates/default_project/+package+/pylonshq/browser/pylons/templates/default_project/+package+/controllers";
        let body = client.get(&format!("/project{long}")).send().await.text();
        same!(body.split(' ').next(), Some("/project"));
        same!(body.split(' ').nth(1), Some(long));
    }

    fn redirect_router() -> Router {
        let m = map([r("/myapp/{*path_info}").default("controller", "myapp")])
            .redirect("/faq/{section}", "/static/faq/{section}.html")
            .unwrap()
            .redirect_permanent("/home/index", "/")
            .unwrap();
        Router::new(m)
            .controller("content", simple_app())
            .controller("myapp", simple_app())
    }

    #[tokio::test]
    async fn middleware_redirect_middleware() {
        // Routes: test_middleware.py test_redirect_middleware
        ours!(
            status(redirect_router(), Method::GET, "/").await,
            404,
            200,
            "an unmatched request",
        );
        let client = TestClient::new(redirect_router());
        let res = client.get("/faq/home").send().await;
        same!(res.status().as_u16(), 302);
        same!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/static/faq/home.html")
        );
        let body = client.get("/myapp/some/other/url").send().await.text();
        same!(body.split(' ').next(), Some("/myapp"));
        same!(body.split(' ').nth(1), Some("/some/other/url"));
        let res = client.get("/home/index").send().await;
        same!(res.status().as_u16(), 301);
        same!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/")
        );
    }

    #[tokio::test]
    async fn middleware_method_conversion() {
        // Routes: test_middleware.py test_method_conversion
        let router = || {
            let m = map([
                r("/content/{type}")
                    .defaults([("controller", "content"), ("action", "index")])
                    .method(Method::DELETE),
                r("/{controller}/{action}/{id}"),
            ]);
            Router::new(m).controller("content", simple_app())
        };
        ours!(
            status(router(), Method::GET, "/").await,
            404,
            200,
            "an unmatched request",
        );
        // `_method` in a GET's query string is not read.
        ours!(
            status(router(), Method::GET, "/content/hopper?_method=DELETE").await,
            404,
            200,
            "`_method` read from the query string and on any method",
        );
        // A POST form's `_method` is: the controller sees DELETE, and POST as
        // the original method; Routes gives it back POST.
        let client = TestClient::new(router());
        let body = client
            .post("/content/grind")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", "25")
            .body("_method=DELETE&name=smoth")
            .send()
            .await
            .text();
        ours!(
            body.split(' ').nth(2),
            Some("DELETE"),
            Some("POST"),
            "the method a controller sees after `_method`",
        );
    }
}
