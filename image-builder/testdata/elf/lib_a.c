/* Closure fixture: a library that needs libtailor_b.so.1 and has no search path of its own. */
int tailor_b_value(void);
int tailor_a_value(void) { return tailor_b_value() + 2; }
