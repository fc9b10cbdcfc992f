/* cmd_train.c - placeholder until the training engine lands. */
#include "cli.h"

int cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("train", "not built yet");
    return 1;
}
