/*
 * cli-host: the process around check/main.js for Moddable's command-line Linux target
 * (mcconfig -p x-cli-lin): clones the prepared XS machine, imports "main" and exits with 1
 * when it throws; print(text) writes a line on stdout.
 */
#include "xsAll.h"
#include "mc.xs.h"

void fxAbort(xsMachine *the, int status)
{
	exit(status);
}

void xs_check_print(xsMachine *the)
{
	printf("%s\n", xsToString(xsArg(0)));
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	static txMachine root;
	int error = 0;
	txMachine *machine = &root;
	txPreparation *preparation = xsPreparation();

	c_memset(machine, 0, sizeof(txMachine));
	machine->preparation = preparation;
	machine->keyArray = preparation->keys;
	machine->keyCount = (txID)preparation->keyCount + (txID)preparation->creation.initialKeyCount;
	machine->keyIndex = (txID)preparation->keyCount;
	machine->nameModulo = preparation->nameModulo;
	machine->nameTable = preparation->names;
	machine->symbolModulo = preparation->symbolModulo;
	machine->symbolTable = preparation->symbols;
	machine->stack = &preparation->stack[0];
	machine->stackBottom = &preparation->stack[0];
	machine->stackTop = &preparation->stack[preparation->stackCount];
	machine->firstHeap = &preparation->heap[0];
	machine->freeHeap = &preparation->heap[preparation->heapCount - 1];
	machine->aliasCount = (txID)preparation->aliasCount;
	machine = fxCloneMachine(&preparation->creation, machine, "check", NULL);
	xsBeginHost(machine);
	{
		xsVars(1);
		xsTry {
			xsResult = xsAwaitImport("main", XS_IMPORT_NAMESPACE);
		}
		xsCatch {
			fprintf(stderr, "### %s\n", xsToString(xsException));
			error = 1;
		}
	}
	xsEndHost(the);
	xsDeleteMachine(machine);
	return error;
}
