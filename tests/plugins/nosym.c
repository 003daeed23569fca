/* A shared object named like a plugin but without the entry symbol (exit 3). */
int pv_not_a_plugin(void);
int pv_not_a_plugin(void) { return 42; }
