{
  "targets": [
    {
      "target_name": "dsp-kernels",
      "sources": ["src/addon.c", "src/truepeak.c", "src/biquad.c", "src/mix.c", "src/comp.c", "src/gate.c", "src/pcm.c", "src/limiter.c"],
      "cflags": ["-std=gnu11", "-O3", "-ffp-contract=off", "-fno-fast-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
