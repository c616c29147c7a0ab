// A stand-in for windows_exporter on the Aegis host: the series the dashboard's Windows row reads,
// with the names and labels windows_exporter's collector docs give (cpu, memory, gpu), counters
// growing with time. Lets a Linux test world check those queries against a real Prometheus.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WindowsExporterFixture {
  address: string;
  close(): Promise<void>;
}

function exposition(seconds: number): string {
  const gpu = 'device_id="PCI\\\\VEN_10DE&DEV_2684",luid="0x00000000_0x0000D1B2"';
  return [
    '# TYPE windows_cpu_time_total counter',
    ...['0,0', '0,1'].flatMap((core) => [
      `windows_cpu_time_total{core="${core}",mode="idle"} ${1000 + seconds * 0.7}`,
      `windows_cpu_time_total{core="${core}",mode="user"} ${200 + seconds * 0.2}`,
      `windows_cpu_time_total{core="${core}",mode="privileged"} ${50 + seconds * 0.1}`,
    ]),
    '# TYPE windows_memory_available_bytes gauge',
    'windows_memory_available_bytes 1.2e+10',
    '# TYPE windows_memory_physical_total_bytes gauge',
    'windows_memory_physical_total_bytes 3.4e+10',
    '# TYPE windows_gpu_adapter_memory_dedicated_bytes gauge',
    `windows_gpu_adapter_memory_dedicated_bytes{${gpu},phys="0"} 6.4e+09`,
    '# TYPE windows_gpu_dedicated_video_memory_size_bytes gauge',
    `windows_gpu_dedicated_video_memory_size_bytes{${gpu}} 2.4e+10`,
    '# TYPE windows_gpu_engine_time_seconds counter',
    `windows_gpu_engine_time_seconds{${gpu},phys="0",eng="0",engtype="3D",process_id="4242"} ${10 + seconds * 0.6}`,
    `windows_gpu_engine_time_seconds{${gpu},phys="0",eng="1",engtype="Copy",process_id="4242"} ${2 + seconds * 0.05}`,
    '',
  ].join('\n');
}

export async function startWindowsExporterFixture(): Promise<WindowsExporterFixture> {
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition((Date.now() - started) / 1000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
