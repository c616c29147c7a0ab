// Host metrics the dashboard reads from other exporters, named here like Aegis' own so that no
// panel queries a name nobody defined. windows_exporter (prometheus-community) on the Windows 11
// host: its default `cpu` and `memory` collectors, and the `gpu` collector (enabled with
// `--collectors.enabled=...,gpu`). Names and labels as its docs/collector.*.md describe them.
import type { MetricDefinition } from './catalogue';

const external = (name: string, help: string, labels: readonly string[], kind: MetricDefinition['kind']): MetricDefinition => ({ name, help, labels, kind });

export const windowsExporter = {
  cpuTime: external('windows_cpu_time_total', 'CPU time per logical core and mode.', ['core', 'mode'], 'counter'),
  memoryAvailable: external('windows_memory_available_bytes', 'Physical memory immediately available (standby, free and zero lists).', [], 'gauge'),
  memoryTotal: external('windows_memory_physical_total_bytes', 'Installed physical memory.', [], 'gauge'),
  gpuDedicatedUsed: external(
    'windows_gpu_adapter_memory_dedicated_bytes',
    'Dedicated GPU memory in use, per physical GPU.',
    ['device_id', 'luid', 'phys'],
    'gauge',
  ),
  gpuDedicatedSize: external('windows_gpu_dedicated_video_memory_size_bytes', 'Dedicated video memory of the adapter.', ['device_id', 'luid'], 'gauge'),
  gpuEngineTime: external(
    'windows_gpu_engine_time_seconds',
    'Running time of each GPU engine, per process.',
    ['device_id', 'luid', 'phys', 'eng', 'engtype', 'process_id'],
    'counter',
  ),
} as const satisfies Record<string, MetricDefinition>;
