/**
 * Temperature and power caps with hysteresis: a GPU over its cap stays paused until it
 * is clearly under it again (3 °C below the temperature cap, 5 % below the power cap),
 * so it does not flap around the limit. A missing reading never trips a cap, and never
 * releases one either: a GPU paused as too hot stays paused until a reading says it cooled.
 */
import type { Verdict } from './verdict.js';

export const TEMPERATURE_HYSTERESIS_C = 3;
export const POWER_HYSTERESIS_FRACTION = 0.05;

/** Is the GPU over the temperature cap after this reading? */
export function nextOverTemperature(wasOver: boolean, temperatureC: number | null, capC: number | null): boolean {
  return overWithHysteresis(wasOver, temperatureC, capC, capC === null ? 0 : capC - TEMPERATURE_HYSTERESIS_C);
}

/** Is the GPU over the power cap after this reading? */
export function nextOverPower(wasOver: boolean, powerDrawW: number | null, capW: number | null): boolean {
  return overWithHysteresis(wasOver, powerDrawW, capW, capW === null ? 0 : capW * (1 - POWER_HYSTERESIS_FRACTION));
}

function overWithHysteresis(wasOver: boolean, value: number | null, cap: number | null, release: number): boolean {
  if (cap === null) return false;
  if (value === null) return wasOver;
  return value > cap || (wasOver && value >= release);
}

export function temperatureVerdict(temperatureC: number | null, capC: number): Verdict {
  const reason =
    temperatureC === null
      ? `no temperature reading; held since it was over the ${number(capC)} °C cap`
      : temperatureC > capC
      ? `${number(temperatureC)} °C is over the ${number(capC)} °C cap`
      : `cooling down: ${number(temperatureC)} °C, lent again below ${number(capC - TEMPERATURE_HYSTERESIS_C)} °C`;
  return { availability: 'over-temperature', reason, until: null };
}

export function powerVerdict(powerDrawW: number | null, capW: number): Verdict {
  const reason =
    powerDrawW === null
      ? `no power reading; held since it drew over the ${number(capW)} W cap`
      : powerDrawW > capW
      ? `drawing ${number(powerDrawW)} W, over the ${number(capW)} W cap`
      : `drawing ${number(powerDrawW)} W, lent again below ${number(capW * (1 - POWER_HYSTERESIS_FRACTION))} W`;
  return { availability: 'over-power', reason, until: null };
}

/** At most one decimal, none when whole: 84, 84.5. */
function number(value: number): string {
  return String(Math.round(value * 10) / 10);
}
