package io.meshprobe.spring.boot.autoconfigure;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.convert.ConverterNotFoundException;

/**
 * Lets the agent's scalar {@code meshprobe.quit=auto|always|never} sit next to the group {@code meshprobe.quit.*}.
 * Boot's binder first tries to convert the scalar into {@link MeshProbeProperties.Quit}; with sub-keys present it falls
 * back to binding them, but with the scalar alone it fails. This handler turns exactly that failure into "keep the
 * defaults"; every other binding error is reported as usual. The scalar itself is read by {@link QuitPolicy#from}.
 */
final class QuitScalarBindHandler extends AbstractBindHandler {
  private static final ConfigurationPropertyName NAME = ConfigurationPropertyName.of(QuitPolicy.KEY);

  QuitScalarBindHandler(BindHandler parent) {
    super(parent);
  }

  /** Applied to Boot's own {@code @ConfigurationProperties} binding. */
  static ConfigurationPropertiesBindHandlerAdvisor advisor() {
    return QuitScalarBindHandler::new;
  }

  @Override
  public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
      throws Exception {
    if (NAME.equals(name) && error instanceof ConverterNotFoundException && target.getType().resolve() == MeshProbeProperties.Quit.class) {
      Supplier<?> existing = target.getValue();
      Object value = existing != null ? existing.get() : null;
      return value != null ? value : new MeshProbeProperties.Quit();
    }
    return super.onFailure(name, target, context, error);
  }
}
