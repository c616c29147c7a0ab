// The Aegis dashboard's rows, top to bottom (the row files build them from the catalogue).
import { gatewayRows } from './rows-gateway';
import { hostRows } from './rows-host';
import { subsystemRows } from './rows-subsystems';
import type { RowSpec } from './spec';

export type { PanelSpec, RowSpec, TargetSpec } from './spec';

export const rows: RowSpec[] = [...gatewayRows, ...subsystemRows, ...hostRows];
