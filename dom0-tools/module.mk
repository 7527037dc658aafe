# dom0-tools build fragment (see the top-level Makefile for the lists it appends to).
include dom0-tools/builder/module.mk
include dom0-tools/libketchctl/module.mk
include dom0-tools/libketchsave/module.mk
include dom0-tools/libgnttab/module.mk
include dom0-tools/libconfine/module.mk
include dom0-tools/ketchd/module.mk
include dom0-tools/cli/module.mk
