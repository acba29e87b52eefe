# Benchmarks (not tests): `make bench` times 4-image requests at 256/512/1024 with the
# bundled model and compares our pipeline with diffusers' UnCLIPPipeline, writing
# docs/benchmarks.md. It runs with jemalloc on the CPU, as the model-serving process does.
JEMALLOC ?= /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
BENCH_ENV = $(if $(wildcard $(JEMALLOC)),LD_PRELOAD=$(JEMALLOC) MALLOC_CONF=background_thread:true$(,)dirty_decay_ms:-1$(,)muzzy_decay_ms:-1)
, := ,

bench: install
	$(BENCH_ENV) $(PY) -m gpu_worker.bench all --out docs/benchmarks.md
