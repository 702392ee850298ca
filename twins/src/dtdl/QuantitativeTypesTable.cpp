// Generated from the DTDL QuantitativeTypes extension v1 (shared/specs/dtdl/v3_DTDL.quantitativeTypes.v1.md,
// "Semantic types and units" table) by scripts/gen-dtdl-semantic-types; regenerate rather than edit by hand.

#include "QuantitativeTypes.hpp"

namespace twinbench::twins::dtdl {

const std::map<std::string, SemanticType, std::less<>>& quantitative_types_v1() {
  static const std::map<std::string, SemanticType, std::less<>> table = {
      {"Acceleration", {"AccelerationUnit", {"centimetrePerSecondSquared", "gForce", "metrePerSecondSquared"}}},
      {"Angle", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"AngularAcceleration", {"AngularAccelerationUnit", {"radianPerSecondSquared"}}},
      {"AngularVelocity", {"AngularVelocityUnit", {"degreePerSecond", "radianPerSecond", "revolutionPerMinute", "revolutionPerSecond"}}},
      {"ApparentEnergy", {"ApparentEnergyUnit", {"gigavoltAmpereHour", "kilovoltAmpereHour", "megavoltAmpereHour", "voltAmpereHour"}}},
      {"ApparentPower", {"ApparentPowerUnit", {"gigavoltAmpere", "kilovoltAmpere", "megavoltAmpere", "millivoltAmpere", "voltAmpere"}}},
      {"Area", {"AreaUnit", {"acre", "hectare", "squareCentimetre", "squareFoot", "squareInch", "squareKilometre", "squareMetre", "squareMillimetre"}}},
      {"Capacitance", {"CapacitanceUnit", {"farad", "microfarad", "millifarad", "nanofarad", "picofarad"}}},
      {"Concentration", {"Unitless", {"partsPerBillion", "partsPerMillion", "partsPerQuadrillion", "partsPerTrillion", "percent", "unity"}}},
      {"Current", {"CurrentUnit", {"ampere", "kiloampere", "microampere", "milliampere"}}},
      {"DataRate", {"DataRateUnit", {"bitPerSecond", "bytePerSecond", "exbibitPerSecond", "exbibytePerSecond", "gibibitPerSecond", "gibibytePerSecond", "kibibitPerSecond", "kibibytePerSecond", "mebibitPerSecond", "mebibytePerSecond", "tebibitPerSecond", "tebibytePerSecond", "yobibitPerSecond", "yobibytePerSecond", "zebibitPerSecond", "zebibytePerSecond"}}},
      {"DataSize", {"DataSizeUnit", {"bit", "byte", "exbibit", "exbibyte", "gibibit", "gibibyte", "kibibit", "kibibyte", "mebibit", "mebibyte", "tebibit", "tebibyte", "yobibit", "yobibyte", "zebibit", "zebibyte"}}},
      {"Density", {"DensityUnit", {"gramPerCubicMetre", "kilogramPerCubicMetre", "microgramPerCubicMetre", "milligramPerCubicMetre"}}},
      {"Distance", {"LengthUnit", {"astronomicalUnit", "centimetre", "foot", "inch", "kilometre", "metre", "micrometre", "mile", "millimetre", "nanometre", "nauticalMile"}}},
      {"ElectricCharge", {"ChargeUnit", {"ampereHour", "coulomb", "milliampereHour"}}},
      {"Energy", {"EnergyUnit", {"britishThermalUnit", "electronvolt", "gigajoule", "gigawattHour", "joule", "kiloBritishThermalUnit", "kilojoule", "kilowattHour", "megaelectronvolt", "megajoule", "megawattHour", "milliwattHour", "terawattHour", "wattHour"}}},
      {"EnergyRate", {"PowerUnit", {"britishThermalUnitPerHour", "gigajoulePerHour", "gigawatt", "horsepower", "joulePerHour", "joulePerSecond", "kiloBritishThermalUnitPerHour", "kilojoulePerHour", "kilojoulePerSecond", "kilowatt", "kilowattHourPerYear", "megajoulePerHour", "megawatt", "microwatt", "milliwatt", "tonOfRefrigeration", "watt"}}},
      {"Force", {"ForceUnit", {"newton", "ounce", "pound", "ton"}}},
      {"Frequency", {"FrequencyUnit", {"gigahertz", "hertz", "kilohertz", "megahertz", "millihertz"}}},
      {"Humidity", {"DensityUnit", {"gramPerCubicMetre", "kilogramPerCubicMetre", "microgramPerCubicMetre", "milligramPerCubicMetre"}}},
      {"Illuminance", {"IlluminanceUnit", {"footcandle", "lux"}}},
      {"Inductance", {"InductanceUnit", {"henry", "microhenry", "millihenry"}}},
      {"IonizingRadiationDose", {"IonizingRadiationDoseUnit", {"gray", "microgray", "microsievert", "milligray", "millisievert", "sievert"}}},
      {"Irradiance", {"IrradianceUnit", {"wattPerSquareMetre"}}},
      {"Latitude", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"Length", {"LengthUnit", {"astronomicalUnit", "centimetre", "foot", "inch", "kilometre", "metre", "micrometre", "mile", "millimetre", "nanometre", "nauticalMile"}}},
      {"Longitude", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"Luminance", {"LuminanceUnit", {"candelaPerSquareMetre"}}},
      {"Luminosity", {"PowerUnit", {"britishThermalUnitPerHour", "gigajoulePerHour", "gigawatt", "horsepower", "joulePerHour", "joulePerSecond", "kiloBritishThermalUnitPerHour", "kilojoulePerHour", "kilojoulePerSecond", "kilowatt", "kilowattHourPerYear", "megajoulePerHour", "megawatt", "microwatt", "milliwatt", "tonOfRefrigeration", "watt"}}},
      {"LuminousFlux", {"LuminousFluxUnit", {"lumen"}}},
      {"LuminousIntensity", {"LuminousIntensityUnit", {"candela"}}},
      {"MagneticFlux", {"MagneticFluxUnit", {"maxwell", "weber"}}},
      {"MagneticInduction", {"MagneticInductionUnit", {"gauss", "tesla"}}},
      {"Mass", {"MassUnit", {"gram", "kilogram", "massPound", "microgram", "milligram", "slug", "tonne"}}},
      {"MassFlowRate", {"MassFlowRateUnit", {"gramPerHour", "gramPerSecond", "kilogramPerHour", "kilogramPerSecond", "massPoundPerHour"}}},
      {"Power", {"PowerUnit", {"britishThermalUnitPerHour", "gigajoulePerHour", "gigawatt", "horsepower", "joulePerHour", "joulePerSecond", "kiloBritishThermalUnitPerHour", "kilojoulePerHour", "kilojoulePerSecond", "kilowatt", "kilowattHourPerYear", "megajoulePerHour", "megawatt", "microwatt", "milliwatt", "tonOfRefrigeration", "watt"}}},
      {"Pressure", {"PressureUnit", {"bar", "decapascal", "hectopascal", "inchesOfMercury", "inchesOfWater", "kilopascal", "millibar", "millimetresOfMercury", "pascal", "poundPerSquareInch"}}},
      {"Radioactivity", {"RadioactivityUnit", {"becquerel", "gigabecquerel", "kilobecquerel", "megabecquerel"}}},
      {"ReactiveEnergy", {"ReactiveEnergyUnit", {"gigavoltAmpereReactiveHour", "kilovoltAmpereReactiveHour", "megavoltAmpereReactiveHour", "voltAmpereReactiveHour"}}},
      {"ReactivePower", {"ReactivePowerUnit", {"gigavoltAmpereReactive", "kilovoltAmpereReactive", "megavoltAmpereReactive", "millivoltAmpereReactive", "voltAmpereReactive"}}},
      {"RelativeDensity", {"Unitless", {"partsPerBillion", "partsPerMillion", "partsPerQuadrillion", "partsPerTrillion", "percent", "unity"}}},
      {"RelativeHumidity", {"Unitless", {"partsPerBillion", "partsPerMillion", "partsPerQuadrillion", "partsPerTrillion", "percent", "unity"}}},
      {"Resistance", {"ResistanceUnit", {"kiloohm", "megaohm", "milliohm", "ohm"}}},
      {"SoundPressure", {"SoundPressureUnit", {"bel", "decibel"}}},
      {"Temperature", {"TemperatureUnit", {"degreeCelsius", "degreeFahrenheit", "kelvin"}}},
      {"Thrust", {"ForceUnit", {"newton", "ounce", "pound", "ton"}}},
      {"TimeSpan", {"TimeUnit", {"day", "hour", "microsecond", "millisecond", "minute", "nanosecond", "second", "year"}}},
      {"Torque", {"TorqueUnit", {"newtonMetre"}}},
      {"Velocity", {"VelocityUnit", {"centimetrePerSecond", "kilometrePerHour", "kilometrePerSecond", "knot", "metrePerHour", "metrePerSecond", "milePerHour", "milePerSecond"}}},
      {"Voltage", {"VoltageUnit", {"kilovolt", "megavolt", "microvolt", "millivolt", "volt"}}},
      {"Volume", {"VolumeUnit", {"cubicCentimetre", "cubicFoot", "cubicInch", "cubicMetre", "fluidOunce", "gallon", "litre", "millilitre"}}},
      {"VolumeFlowRate", {"VolumeFlowRateUnit", {"cubicFootPerMinute", "cubicMetrePerHour", "cubicMetrePerMinute", "cubicMetrePerSecond", "gallonPerHour", "gallonPerMinute", "litrePerHour", "litrePerMinute", "litrePerSecond", "millilitrePerHour", "millilitrePerMinute", "millilitrePerSecond"}}},
  };
  return table;
}

}  // namespace twinbench::twins::dtdl
