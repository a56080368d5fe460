# SPDX-License-Identifier: Apache-2.0
{
  "targets": [
    {
      "target_name": "bathyscope_native",
      "sources": ["src/addon.cc", "src/bpf_session.cc", "src/socket_tracer.cc", "src/profile_session.cc", "src/cpu_profiler.cc", "src/demangle.cc", "src/demangle_rust_v0.cc", "src/flow_session.cc", "src/flow_addon.cc", "src/packet_capture.cc", "src/addon_lifecycle.cc", "src/batch_stream.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "../bpf",
        "../bpf/.output"
      ],
      # C++ exceptions mode, chosen explicitly: Napi::Error propagates as a C++ exception and is
      # rethrown into JavaScript at the boundary.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
