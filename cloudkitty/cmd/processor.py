"""cloudkitty-processor: the rating loop (see cloudkitty.orchestrator)."""

import sys

from cloudkitty import cmd
from cloudkitty import service


@cmd.one_line_errors
def main(argv=None):
    service.prepare_service(argv if argv is not None else sys.argv[1:])
    sys.stderr.write('cloudkitty-processor: the processing loop is not '
                     'available in this build yet\n')
    return 1


if __name__ == '__main__':
    sys.exit(main())
