/* Closure fixture: a leaf library (libtailor_b.so.1). */
int tailor_b_value(void) { return 40; }
