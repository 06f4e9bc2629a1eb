{
  "targets": [
    {
      "target_name": "jack-bridge",
      "sources": [
        "src/addon.c",
        "src/jack_api.c",
        "src/engine_client.c",
        "src/tool_client.c"
      ],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
