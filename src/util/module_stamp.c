/* Compiled into every module (Makefile.am, "modules"): the release it was
 * built for, which carb_module_symbol compares with the program's before
 * it calls anything in the module. */
__attribute__((visibility("default")))
extern const char carb_module_version[];
const char carb_module_version[] = PACKAGE_VERSION;
