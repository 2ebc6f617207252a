package io.normdrop.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.Comparator;
import java.util.Map;
import java.util.Set;

/**
 * The check of a job's keys against {@link JobSchema}'s defaults, before any is read: a key the
 * schema does not declare (at any depth, in any layer of {@code model.layers}) is refused, with
 * the nearest known name suggested and the known names listed; one that names a secret is
 * refused with where secrets belong. {@code spark.conf} takes any key.
 */
final class UnknownKeys {
    private UnknownKeys() {
    }

    /** @throws ConfigException for the first key of {@code job} that the schema does not declare */
    static void reject(ConfigObject job) {
        reject(job, "");
    }

    private static void reject(ConfigObject object, String prefix) {
        Config defaults = JobSchema.defaults();
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(entry.getKey()) : prefix + "." + ConfigUtil.joinPath(entry.getKey());
            ConfigValue value = entry.getValue();
            if (path.equals(SparkSettings.CONF.path())) {
                continue;
            }
            if (!defaults.hasPathOrNull(path)) {
                ConfigObject parent = prefix.isEmpty() ? defaults.root() : defaults.getObject(prefix);
                if (Rules.namesASecret(entry.getKey())) {
                    throw new ConfigException(path, "unknown key; secrets do not belong in job files (they are copied "
                            + "into the run's provenance): name a file or an environment variable that holds it, as "
                            + "metrics.pushgateway.passwordFile or passwordEnv do");
                }
                throw new ConfigException(path, "unknown key" + suggestion(entry.getKey(), parent.keySet()));
            }
            if (path.equals(ModelConfig.LAYERS) && value.valueType() == ConfigValueType.LIST) {
                ConfigList layers = (ConfigList) value;
                for (int i = 0; i < layers.size(); i++) {
                    rejectInLayer(layers.get(i), i);
                }
            } else if (value.valueType() == ConfigValueType.OBJECT && !defaults.getIsNull(path)
                    && defaults.getValue(path).valueType() == ConfigValueType.OBJECT) {
                reject((ConfigObject) value, path);
            }
        }
    }

    private static void rejectInLayer(ConfigValue layer, int index) {
        String key = LayerSpec.key(index);
        if (layer.valueType() != ConfigValueType.OBJECT) {
            throw ConfigException.invalid(key, layer.unwrapped(), "each layer is an object such as { type = dense, units = 256 }");
        }
        for (String name : ((ConfigObject) layer).keySet()) {
            if (!LayerSpec.NAMES.contains(name)) {
                throw new ConfigException(key + "." + name, "unknown key" + suggestion(name, LayerSpec.NAMES));
            }
        }
    }

    private static String suggestion(String key, Set<String> known) {
        String best = known.stream().min(Comparator.comparingInt(k -> editDistance(k.toLowerCase(), key.toLowerCase())))
                .orElse(null);
        String list = String.join(", ", known.stream().sorted().toList());
        if (best != null && editDistance(best.toLowerCase(), key.toLowerCase()) <= Math.max(2, key.length() / 3)) {
            return " (did you mean " + best + "? known: " + list + ")";
        }
        return " (known: " + list + ")";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
