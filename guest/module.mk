# guest build fragment (see the top-level Makefile for the lists it appends to).
